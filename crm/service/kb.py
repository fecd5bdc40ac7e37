"""The knowledge base: articles written and edited from the chat by managers and admins,
published for customers to find themselves, searched like customers are (Chinese included)."""

from __future__ import annotations

import datetime as dt
import re

from crm import audit
from crm.actors import Actor
from crm.clock import as_datetime, utcnow
from crm.customers import inputs
from crm.errors import NotFound, ValidationError
from crm.permissions import Action, require
from crm.search_terms import encode_cjk, name_pinyin, normalise_text, parse_query, text_tokens
from crm.service.views import ArticleView
from storage.database import database, fetch_all, fetch_one, insert, sql
from storage.kb_index import index_article, match_articles, remove_article

TITLE_MAX = 200
BODY_MAX = 16000  # an article pasted into Telegram, which sends it in up to four messages
STATUSES = ("draft", "published")
_COLUMNS = "id, title, body, tags, status, updated_at"
_ENCODED = re.compile(r"^(u[0-9a-f]{4,}|p\d{4})$")  # Chinese and phone tokens, not words
# Words every question has ("how do I…", "我的…怎么…"): an article sharing only these with
# a question has nothing to do with it, so they alone never make a partial match.
_QUESTION_WORDS = frozenset({
    "a", "an", "the", "i", "im", "me", "my", "we", "our", "us", "you", "your", "it", "its",
    "is", "are", "am", "was", "be", "been", "do", "does", "did", "can", "could", "would",
    "should", "will", "how", "what", "when", "where", "why", "who", "which", "to", "of",
    "in", "on", "for", "with", "at", "by", "from", "about", "this", "that", "these", "and",
    "or", "if", "so", "please", "hi", "hello", "want", "need", "get", "have", "has", "there",
    "any", "some", "not", "no", "yes", "still", "just",
    *(encode_cjk(word) for word in (
        "我", "你", "您", "的", "了", "吗", "呢", "是", "我的", "我们", "你们", "您的",
        "如何", "怎么", "怎样", "什么", "为什", "为何", "请问", "一下", "可以", "能不", "不能",
        "是不", "不是", "哪里", "还是", "还没", "没有", "有没", "想要", "需要")),
})


def _view(row: tuple) -> ArticleView:
    tags = tuple(t for t in (row[3] or "").split(",") if t)
    return ArticleView(row[0], row[1], row[2], tags, row[4], as_datetime(row[5]))


def _terms(title: str, body: str, tags: tuple[str, ...]) -> str:
    """Index tokens of an article: its words, Chinese as characters and pairs, and the pinyin
    of its title."""
    tokens = text_tokens(f"{title} {body} {' '.join(tags)}") + name_pinyin(title)
    return " ".join(dict.fromkeys(tokens))


def _checked(title: str, body: str, tags: tuple[str, ...] | list[str]) -> tuple[str, str, tuple]:
    checked_title = inputs.optional_text(title, field="title", max_length=TITLE_MAX)
    checked_body = inputs.optional_text(body, field="body", max_length=BODY_MAX)
    if not checked_title:
        raise ValidationError("validation.required", field="title")
    if not checked_body:
        raise ValidationError("validation.required", field="body")
    clean = tuple(dict.fromkeys(t.strip().replace(",", " ")[:40] for t in tags if t.strip()))
    return checked_title, checked_body, clean


def write_article(actor: Actor, title: str, body: str, *, tags: tuple[str, ...] = (),
                  publish: bool = False, now: dt.datetime | None = None) -> ArticleView:
    """A new article, a draft unless published at once."""
    require(actor, Action.MANAGE_KB)
    now = now or utcnow()
    title, body, tags = _checked(title, body, tags)
    with database.atomic():
        article_id = insert("kb_article", {
            "title": title, "body": body, "tags": ",".join(tags),
            "status": "published" if publish else "draft", "created_by_id": actor.user_id,
            "updated_by_id": actor.user_id, "created_at": now, "updated_at": now})
        index_article(article_id, _terms(title, body, tags))
        audit.record(actor, "kb.create", "kb_article", article_id,
                     changes={"title": [None, title]}, now=now)
    return _load(article_id)


def edit_article(actor: Actor, article_id: int, *, title: str | None = None,
                 body: str | None = None, tags: tuple[str, ...] | None = None,
                 status: str | None = None, now: dt.datetime | None = None) -> ArticleView:
    """Change an article's words, tags, or publish / unpublish it."""
    require(actor, Action.MANAGE_KB)
    now = now or utcnow()
    current = get_article(actor, article_id)
    new_title, new_body, new_tags = _checked(title if title is not None else current.title,
                                             body if body is not None else current.body,
                                             tags if tags is not None else current.tags)
    new_status = inputs.choice(status, STATUSES, field="status") if status else current.status
    with database.atomic():
        database.execute_sql(sql(
            "update kb_article set title = ?, body = ?, tags = ?, status = ?, updated_by_id = ?,"
            " updated_at = ? where id = ?"),
            (new_title, new_body, ",".join(new_tags), new_status, actor.user_id, now, article_id))
        index_article(article_id, _terms(new_title, new_body, new_tags))
        audit.record(actor, "kb.edit", "kb_article", article_id,
                     changes={"title": [current.title, new_title],
                              "status": [current.status, new_status]}, now=now)
    return _load(article_id)


def delete_article(actor: Actor, article_id: int, *, now: dt.datetime | None = None) -> None:
    """Take an article away (kept, restorable from the database)."""
    require(actor, Action.MANAGE_KB)
    now = now or utcnow()
    get_article(actor, article_id)
    with database.atomic():
        database.execute_sql(sql("update kb_article set deleted_at = ? where id = ?"),
                             (now, article_id))
        remove_article(article_id)
        audit.record(actor, "kb.delete", "kb_article", article_id, now=now)


def _load(article_id: int) -> ArticleView:
    row = fetch_one(f"select {_COLUMNS} from kb_article where id = ? and deleted_at is null",
                    (article_id,))
    if row is None:
        raise NotFound("kb.not_found")
    return _view(row)


def get_article(actor: Actor | None, article_id: int) -> ArticleView:
    """An article: staff see drafts too; customers (``actor`` None) only published ones."""
    found = _load(article_id)
    if actor is None and found.status != "published":
        raise NotFound("kb.not_found")
    return found


def list_articles(actor: Actor, *, limit: int = 20) -> list[ArticleView]:
    """Every article, drafts first, then the most recently changed (for editors)."""
    require(actor, Action.READ)
    rows = fetch_all(f"select {_COLUMNS} from kb_article where deleted_at is null"
                     " order by case when status = 'draft' then 0 else 1 end, updated_at desc"
                     " limit ?", (limit,))
    return [_view(r) for r in rows]


def search_articles(text: str, *, include_drafts: bool = False,
                    limit: int = 5) -> list[ArticleView]:
    """Articles matching the words: those with every word first, then those with most of
    them; customers see published articles only."""
    query = parse_query(text)
    tokens = list(dict.fromkeys(query.tokens + ((query.prefix,) if query.prefix else ())))
    # Latin words also match as the start of a longer word: "invoice" finds "invoices".
    words = [t for t in tokens if t.isascii() and t.isalpha() and len(t) >= 3
             and not _ENCODED.match(t)]
    exact = [t for t in tokens if t not in words]
    found = (match_articles(exact, every=True, prefixes=words)
             or match_articles([t for t in exact if t not in _QUESTION_WORDS], every=False,
                               prefixes=[w for w in words if w not in _QUESTION_WORDS]))
    if not found:
        return []
    marks = ", ".join("?" * len(found))
    status = "" if include_drafts else " and status = 'published'"
    rows = fetch_all(f"select {_COLUMNS} from kb_article where id in ({marks})"
                     f" and deleted_at is null{status}", tuple(found))
    wanted = set(tokens)
    normal = normalise_text(text)

    def score(row: tuple) -> tuple:
        own = set(_terms(row[1], row[2], tuple((row[3] or "").split(","))).split())
        hits = len(wanted & own) + sum(any(o.startswith(w) for o in own) for w in words)
        return (-hits, normal not in normalise_text(row[1]), -row[0])

    return [_view(r) for r in sorted(rows, key=score)[:limit]]
