"""Many customers at a time: their tags read and their search entries rebuilt (what
crm.customers.write does for one, for imports and bulk actions)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from crm.search_terms import build_document
from storage import search
from storage.database import bytewise, fetch_all

CHUNK = 500


def chunks(ids: Sequence[int]) -> Iterator[tuple[tuple[int, ...], str]]:
    for start in range(0, len(ids), CHUNK):
        chunk = tuple(ids[start:start + CHUNK])
        yield chunk, ", ".join("?" * len(chunk))


def tag_names(ids: Sequence[int]) -> dict[int, list[str]]:
    """Each customer's tag names, by name."""
    names: dict[int, list[str]] = {}
    for chunk, marks in chunks(ids):
        for customer_id, name in fetch_all(
                "select ct.customer_id, t.name from tag t join customer_tag ct on ct.tag_id = t.id"
                f" where ct.customer_id in ({marks}) order by {bytewise('t.name')}", chunk):
            names.setdefault(customer_id, []).append(name)
    return names


def reindex_customers(ids: Sequence[int]) -> None:
    """crm.customers.write.reindex for many customers: their search entries rebuilt, all
    replaced at once at the end (one pass through the index, however many there are)."""
    with search.documents_in_bulk(replacing=True) as replace:
        for chunk, marks in chunks(sorted(ids)):
            replace(_documents(chunk, marks))


def _documents(chunk: tuple[int, ...], marks: str) -> list[tuple[int, str, str]]:
    """The search entries of a chunk of customers, from their current records."""
    records = fetch_all(
        "select c.id, c.name, c.owner_id, co.name, c.team_id from customer c left join"
        f" company co on co.id = c.company_id where c.id in ({marks})", chunk)
    channels: dict[int, list[tuple[str, str]]] = {}
    for customer_id, kind, value in fetch_all(
            "select customer_id, kind, value from contact_channel where customer_id in"
            f" ({marks}) order by id", chunk):
        channels.setdefault(customer_id, []).append((kind, value))
    aliases: dict[int, list[str]] = {}
    for merged_into, name in fetch_all(
            f"select merged_into_id, name from customer where merged_into_id in ({marks})"
            " order by id", chunk):
        aliases.setdefault(merged_into, []).append(name)
    tags = tag_names(chunk)
    documents = []
    for customer_id, name, owner_id, company, team_id in records:
        held = channels.get(customer_id, [])
        document = build_document(
            name=name, owner_id=owner_id, team_id=team_id, company=company,
            aliases=aliases.get(customer_id, []),
            phones=[v for k, v in held if k in ("phone", "whatsapp")],
            emails=[v for k, v in held if k == "email"],
            accounts=[v for k, v in held if k not in ("phone", "whatsapp", "email")],
            tags=tags.get(customer_id, []))
        documents.append((customer_id, document.terms, document.haystack))
    return documents
