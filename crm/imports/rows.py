"""One data row of the file as a customer draft, checked by the same rules as a customer typed
into the bot (crm.customers.write.checked_draft); problems name the column they came from."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from crm import runtime, validation
from crm.actors import Actor
from crm.customers import inputs
from crm.customers.views import CHANNEL_KINDS
from crm.customers.write import _primary_address, check_owner, checked_draft
from crm.errors import CrmError
from crm.imports import cells
from crm.imports import phones as phones_module
from crm.imports.headers import ColumnMap
from crm.imports.reading import Cell
from crm.imports.region import split_region
from crm.search_terms import CJK_CHARS, normalise_text
from crm.users import StaffNames

# Status words Chinese spreadsheets use, beside the stored English ones.
STATUS_WORDS = {
    "线索": "lead", "新线索": "lead", "潜在线索": "lead",
    "潜在客户": "prospect", "意向客户": "prospect", "意向": "prospect", "商机": "prospect",
    "跟进中": "prospect",
    "客户": "customer", "成交": "customer", "成交客户": "customer", "已成交": "customer",
    "老客户": "customer", "正式客户": "customer",
    "无效": "inactive", "流失": "inactive", "停用": "inactive", "休眠": "inactive",
    "无效客户": "inactive", "流失客户": "inactive", "不活跃": "inactive",
}
# What opens a sheet's closing rows: its totals (合计：12 人) or a note to the reader
# (备注：以上数据仅供内部使用), written where the names are or further left.
_FOOTER = re.compile(r"(合计|总计|小计|共计|汇总|备注|注|说明|total|subtotal|grand total|note)"
                     r"([\s:].*)?", re.IGNORECASE | re.DOTALL)
# A space between two Chinese characters of a name cell: lists pad two-character names to line
# up with three-character ones (张 伟, 张　伟). The customer is 张伟, found by 张伟 (a name typed
# in the chat keeps the space its writer chose).
_NAME_PADDING = re.compile(rf"(?<=[{CJK_CHARS}])\s+(?=[{CJK_CHARS}])")  # \s takes 　 too
_DIGIT = re.compile(r"\d")
_FEWEST_PHONE_DIGITS = 7  # a local number without its area code; a count of rows has fewer
# A phone cell with words in brackets after the number: 138 0013 8016（微信同号）, (张总秘书).
_PHONE_NOTE = re.compile(r"(.*?\d)\s*[(（]([^()（）\d]+)[)）]")
SAME_WECHAT = "same_wechat"  # the number of a phone cell noted 微信同号, the WeChat unless named
_SAME_WECHAT = re.compile(r"微信同号|同微信|微信同|wechat", re.IGNORECASE)
ADDRESS_FIELDS = ("country", "province", "city", "district", "street", "postal_code")
EXTRA = "extra"  # cells of columns no field takes, as "header: value" lines
# A birthday cell with a year and month but no day (出生年月: 1975年3月). The day is unknown and
# a birthday is a whole date (its reminders and age need the day), so the birthday stays empty
# and a new customer's notes keep the cell as a "header: value" line.
BIRTH_MONTH = "birth_month"


@dataclass(frozen=True)
class RowValues:
    """A data row sorted by field: what the draft needs, plus the owner as written."""

    draft: inputs.CustomerDraft
    owner: str
    industry: str | None


@dataclass(frozen=True)
class ValidRow:
    """A row that passed every check: the record as create_customer would store it."""

    row: int  # the row number the spreadsheet shows
    record: dict[str, Any]
    owner_id: int | None  # named in the file; None: the importer's, then the assignment rules
    industry: str | None
    keys: tuple[tuple[str, str], ...]  # (phone|email, normalised value): how it is matched
    given: frozenset[str]  # the fields the row has a value for (an update changes only these)
    new_notes: str | None = None  # a new customer's notes: the notes cell, then the cells of
    # columns no field takes as "header: value" lines (an update leaves those out)
    birth_month: str | None = None  # a birthday cell with no day, as written (BIRTH_MONTH)
    birth_month_unsure: bool = False  # ... a number whose month may be 1 or 10 (1975.1)

    @property
    def new_record(self) -> dict[str, Any]:
        """The record a new customer is created with."""
        return self.record if self.new_notes == self.record["notes"] else {
            **self.record, "notes": self.new_notes}


def collect(row: Sequence[Cell], columns: ColumnMap, today: dt.date) -> dict[str, list[Cell]]:
    """The non-empty cells of a row, per field, in column order."""
    found: dict[str, list[Cell]] = {}
    for index, name in columns.mapped:
        if index < len(row):
            cell = row[index]
            if not (cell is None or (type(cell) is str and (not cell or cell.isspace()))):
                if name == "birthday":
                    if _is_birth_month(cell, today):
                        found.setdefault(BIRTH_MONTH, []).append(cell)
                        found.setdefault(EXTRA, []).append(f"{columns.labels[index]}: "
                                                           f"{cells.text(cell)}")
                        continue
                    order = columns.date_orders.get(index)
                    if order is not None:  # 03/04/1990: read in the column's order
                        cell = order.read(cell)
                elif name == "phone" and isinstance(cell, str):
                    cell = _phone_and_note(cell, columns.labels[index], found)
                found.setdefault(name, []).append(cell)
    for index in columns.kept:
        if index < len(row) and not cells.is_empty(row[index]):
            found.setdefault(EXTRA, []).append(f"{columns.labels[index]}: "
                                               f"{cells.text(row[index])}")
    if "region" in found:
        _region_parts(found, columns)
    same_wechat = found.pop(SAME_WECHAT, None)
    if same_wechat and "wechat" not in found:
        found["wechat"] = same_wechat[:1]
    if "family_name" in found or "given_name" in found:
        family, given = found.pop("family_name", None), found.pop("given_name", None)
        found["name"] = [inputs.name_from_parts(cells.text(family[0]) if family else "",
                                     cells.text(given[0]) if given else "")]
    return found


def _phone_and_note(cell: str, label: str, found: dict[str, list[Cell]]) -> str:
    """A phone cell without the words in brackets after it (138 0013 8016（微信同号）): 微信同号
    makes the number the WeChat too (when the row names none), other words are kept in the
    notes with the cell as written. Digits in the brackets (分机 8008) are left to the checks."""
    match = _PHONE_NOTE.fullmatch(cell.strip())
    if not match or len(_DIGIT.findall(match[1])) < _FEWEST_PHONE_DIGITS:
        return cell
    if _SAME_WECHAT.search(match[2]):  # the row's own WeChat cell, if any, wins (collect)
        found.setdefault(SAME_WECHAT, []).append(re.sub(r"\D", "", cells.split_list(match[1])[0]))
    else:
        found.setdefault(EXTRA, []).append(f"{label}: {cell.strip()}")
    return match[1]


def _region_parts(found: dict[str, list[Cell]], columns: ColumnMap) -> None:
    """The region cell as the address parts the row's own columns leave empty; a region that
    names no province (华东) is kept in the notes as written."""
    text = cells.text(found.pop("region")[0])
    parts = split_region(text)
    if parts is None:
        found.setdefault(EXTRA, []).append(f"{columns.label_of('region')}: {text}")
        return
    for name, value in parts._asdict().items():
        if value and name not in found:
            found[name] = [value]
        elif value and name == "street":  # 杭州西湖区 before the row's own 文三路100号
            found[name] = [value + cells.text(found[name][0])]


def _is_birth_month(cell: Cell, today: dt.date) -> bool:
    """A text cell with a year and month only, or a number Excel made of one (1975.3)."""
    if isinstance(cell, str):
        return validation.parse_year_month(cell) is not None
    return cells.is_year_month_number(cell, today)


def unsure_month(found: dict[str, list[Cell]]) -> bool:
    """The row's year and month is a number whose month cannot be told (1975.1: January, or a
    typed 1975.10)."""
    cell = found.get(BIRTH_MONTH)
    return bool(cell) and cells.is_unsure_month(cell[0])


def birth_month(found: dict[str, list[Cell]], today: dt.date) -> str | None:
    """The birthday cell with no day as written, checked like a birthday (not in the future,
    not before 1900); None when the row has none."""
    cell = found.get(BIRTH_MONTH)
    return checked_birth_month(cells.text(cell[0]), today) if cell else None


def checked_birth_month(text: str, today: dt.date) -> str:
    """``text`` (a year and month) as written, once checked like a birthday."""
    year, month = validation.parse_year_month(text) or (0, 0)
    validation.check_birth_month(year, month, today)
    return text


def is_footer(row: Sequence[Cell], columns: ColumnMap) -> bool:
    """A totals or note row under the list (合计 / 备注：…), not a customer: it starts at or
    before the name column with such a word and has no phone number or e-mail address (a
    count such as 共9人 under the phone column is no phone)."""
    first = next((i for i, cell in enumerate(row) if not cells.is_empty(cell)), None)
    if first is None or first > columns.name_column or _FOOTER.fullmatch(
            unicodedata.normalize("NFKC", cells.text(row[first]))) is None:
        return False
    return not any(index < len(row) and _holds_contact(name, cells.text(row[index]))
                   for index, name in columns.mapped)


def _holds_contact(field: str, value: str) -> bool:
    if field == "phone":
        return len(_DIGIT.findall(value)) >= _FEWEST_PHONE_DIGITS
    return field == "email" and "@" in value


def notes_of(found: dict[str, list[Cell]]) -> str | None:
    """The notes cell, then a "header: value" line for each column no field takes."""
    notes = found.get("notes")
    lines = [cells.text(notes[0])] if notes else []
    return "\n".join(line for line in [*lines, *found.get(EXTRA, ())] if line) or None


def given_fields(found: dict[str, list[Cell]]) -> frozenset[str]:
    """The fields a row has a value for."""
    return frozenset(name for name in found if name not in (EXTRA, BIRTH_MONTH))


def new_notes(found: dict[str, list[Cell]], notes: str | None) -> str | None:
    """A new customer's notes: ``notes`` (checked) with the other columns' lines."""
    if EXTRA not in found:
        return notes
    return inputs.optional_text(notes_of(found), field="notes", max_length=inputs.NOTES_MAX)


def record_key(found: dict[str, list[Cell]], name: str) -> tuple[tuple[str, str], ...]:
    """A customers export read back: its id column with the row's name, ``("id", "<id>
    <name>")``, which matches only the customer with that id *and* that name (a file from
    elsewhere numbers its own customers). Customers with no phone or e-mail are found again
    this way."""
    cell = found.get("id")
    number = cells.text(cell[0]) if cell else ""
    if not (number.isascii() and number.isdigit() and len(number) <= 18):
        return ()
    return (("id", f"{int(number)} {normalise_text(name)}"),)


def row_values(found: dict[str, list[Cell]]) -> RowValues:
    """The draft a row describes; cells Excel already spoiled raise ValidationError."""
    def one(name: str) -> str | None:
        values = found.get(name)
        return cells.text(values[0]) if values else None

    phones = [p for cell in found.get("phone", ()) for p in
              cells.split_list(cells.digits(cell, "phone"))]
    emails = [e for cell in found.get("email", ()) for e in cells.split_emails(cells.text(cell))]
    tags = [t for cell in found.get("tags", ()) for t in cells.split_tags(cells.text(cell))]
    accounts = tuple(inputs.ChannelInput(kind, value) for kind in ("wechat", "qq")
                     for value in [one(kind)] if value)
    accounts += tuple(_channel_pairs(one("other_channels") or ""))
    birthday = found.get("birthday")
    id_card = found.get("id_card")
    draft = inputs.CustomerDraft(
        name=unpadded(one("name") or ""), phones=tuple(phones), emails=tuple(emails),
        company=one("company"), tags=tuple(tags), gender=one("gender"),
        birthday=cells.date_value(birthday[0]) if birthday else None,
        occupation=one("occupation"), notes=one("notes"), status=_status(one("status")),
        source=one("source"), channels=accounts, addresses=_addresses(one),
        secrets={"id_card": cells.digits(id_card[0], "id_card")} if id_card else {})
    return RowValues(draft, one("owner") or "", one("industry"))


def unpadded(name: str) -> str:
    """A name cell without the spaces that line it up in the list (张 伟 → 张伟)."""
    return _NAME_PADDING.sub("", name)


def _channel_pairs(value: str) -> list[inputs.ChannelInput]:
    """``qq:12345; telegram:li_na`` (as an export writes them); a value without a known kind
    is kept as "other"."""
    found = []
    for part in (p.strip() for p in re.split(r"[;；\n]+", value) if p.strip()):
        kind, sep, rest = part.partition(":")
        known = sep and kind.strip().lower() in CHANNEL_KINDS
        found.append(inputs.ChannelInput(kind.strip().lower() if known else "other",
                                         rest.strip() if known else part))
    return found


def _status(value: str | None) -> str:
    if not value:
        return "lead"
    return STATUS_WORDS.get(unicodedata.normalize("NFKC", value).strip(), value)


def _addresses(one: Callable[[str], str | None]) -> tuple[inputs.AddressInput, ...]:
    parts = {name: one(name) for name in ADDRESS_FIELDS}
    primary = (inputs.AddressInput(**parts),) if any(parts.values()) else ()
    return primary + other_addresses(one("other_addresses"))


def other_addresses(cell: str | None) -> tuple[inputs.AddressInput, ...]:
    """An export's 其他地址 cell (``广东 深圳 科技园2号 | 上海 浦东 世纪大道8号``): each line an
    address of kind other, kept as written, as one typed in the chat is."""
    lines = [line.strip() for line in (cell or "").split("|") if line.strip()]
    return tuple(inputs.AddressInput(kind="other", street=line) for line in lines)


@dataclass
class Staff:
    """Staff members an owner cell may name: by Telegram id, @username or whole name, read as
    every interface reads a staff member's name (``users.StaffNames``, without shortened
    names), loaded once per import."""

    names: StaffNames
    checked: dict[int, CrmError | None] = field(default_factory=dict)

    @classmethod
    def load(cls) -> Staff:
        # Whole names only: a former colleague's 王 must not become the one 王经理 on file.
        return cls(StaffNames.load(by_start=False))

    def resolve(self, actor: Actor, written: str) -> int | None:
        """The staff id an owner cell names (checked once per owner like create_customer);
        none or several refused with the words the command line uses."""
        if not written:
            return None
        owner_id = self.names.one(written, field="owner").id
        problem = self.check(actor, owner_id)
        if problem is not None:
            raise problem
        return owner_id

    def check(self, actor: Actor, owner_id: int) -> CrmError | None:
        """Why the actor may not give customers to this staff member (None: they may),
        looked up once."""
        if owner_id not in self.checked:
            try:
                check_owner(actor, owner_id)
                self.checked[owner_id] = None
            except CrmError as error:
                self.checked[owner_id] = error.kept()
        return self.checked[owner_id]


def validate(actor: Actor, number: int, found: dict[str, list[Cell]], staff: Staff,
             today: dt.date) -> ValidRow:
    """The checked row; ValidationError (or PermissionDenied for an owner) otherwise. The
    reference the import's ``Checker`` is pinned against (it gives the same, faster)."""
    values = row_values(found)
    owner_id = staff.resolve(actor, values.owner)
    record = checked_draft(values.draft, today)
    month = birth_month(found, today)
    industry = inputs.optional_text(values.industry, field="industry")
    keys = tuple((c.kind, c.value) for c in record["channels"] if c.kind in ("phone", "email"))
    return ValidRow(number, record, owner_id, industry, keys + record_key(found, record["name"]),
                    given_fields(found), new_notes(found, record["notes"]), month,
                    unsure_month(found))


class Checker:
    """``validate`` for many rows: the same checks in the same order, each distinct value
    checked once (a file repeats its genders, statuses, cities, tags and companies thousands of
    times), phones through the bulk-speed ``phones.normalise_phone``."""

    def __init__(self, actor: Actor, staff: Staff, today: dt.date) -> None:
        self.actor, self.staff, self.today = actor, staff, today
        self.region = runtime.config()["phone_region"]
        self._seen: dict[tuple, Any] = {}
        self.national: dict[str, str] = {}  # E.164 → the digits dialled at home

    def _once(self, key: tuple, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args)`` for ``key`` computed once: its result, or its error raised again."""
        found = self._seen.get(key, _MISSING)
        if found is _MISSING:
            try:
                found = work(*args)
            except CrmError as error:
                found = error.kept()
            self._seen[key] = found
        if isinstance(found, CrmError):
            raise found.with_traceback(None)
        return found

    def check(self, number: int, found: dict[str, list[Cell]]) -> ValidRow:
        """The checked row, as ``validate`` gives it; its error otherwise."""
        text = {name: cells.text(values[0]) for name, values in found.items()}
        phones = [p for cell in found.get("phone", ())
                  for p in self._once(("phone cell", type(cell), cell), _phone_parts, cell)]
        id_card = found.get("id_card")
        id_digits = cells.digits(id_card[0], "id_card") if id_card else None
        owner_id = self.staff.resolve(self.actor, text.get("owner") or "")
        channels = self._channels(phones, found, text)
        record = self._record(found, text, channels, id_digits)
        month = text.get(BIRTH_MONTH)
        if month:
            month = self._once(("birth month", month), checked_birth_month, month, self.today)
        industry = text.get("industry")
        industry = self._once(("industry", industry), _optional, industry, "industry")
        keys = tuple((c.kind, c.value) for c in channels if c.kind in ("phone", "email"))
        return ValidRow(number, record, owner_id, industry,
                        keys + record_key(found, record["name"]), given_fields(found),
                        new_notes(found, record["notes"]), month, unsure_month(found))

    def _channels(self, phones: list[str], found: dict[str, list[Cell]],
                  text: dict[str, str]) -> list[inputs.ChannelInput]:
        """checked_draft's channels: checked in order, the first of each kind primary, each
        (kind, value) once."""
        raw = [("phone", p) for p in phones]
        raw += [("email", e) for cell in found.get("email", ())
                for e in cells.split_emails(cells.text(cell))]
        raw += [(kind, text[kind]) for kind in ("wechat", "qq") if text.get(kind)]
        if text.get("other_channels"):
            raw += [(c.kind, c.value) for c in _channel_pairs(text["other_channels"])]
        checked, kinds, seen = [], set(), set()
        for kind, value in raw:
            item = self._once(("channel", kind, value), self._channel, kind, value)
            key = (item.kind, item.value)
            if key not in seen:
                seen.add(key)
                checked.append(item if item.kind in kinds else
                               inputs.ChannelInput(item.kind, item.value, None, True))
            kinds.add(item.kind)
        return checked

    def _channel(self, kind: str, value: str) -> inputs.ChannelInput:
        if kind == "phone":
            e164, national = phones_module.checked_phone(value, self.region)
            self.national[e164] = national
            return inputs.ChannelInput("phone", e164)
        return inputs.channel(inputs.ChannelInput(kind, value))

    def _record(self, found: dict[str, list[Cell]], text: dict[str, str],
                channels: list[inputs.ChannelInput], id_digits: str | None) -> dict[str, Any]:
        once, get = self._once, text.get
        born = found["birthday"][0] if "birthday" in found else None
        address = tuple(get(name) for name in ADDRESS_FIELDS)
        tags = tuple(t for cell in found.get("tags", ())
                     for t in cells.split_tags(cells.text(cell)))
        return {
            "name": inputs.name(unpadded(get("name") or "")),
            "company": once(("company", get("company")), _optional, get("company"), "company",
                            inputs.COMPANY_MAX),
            "gender": once(("gender", get("gender")), inputs.gender, get("gender")),
            "birthday": once(("birthday", type(born), born), _birthday, born, self.today),
            "occupation": once(("occupation", get("occupation")), _optional, get("occupation"),
                               "occupation"),
            "notes": inputs.optional_text(get("notes"), field="notes",
                                          max_length=inputs.NOTES_MAX),
            "status": once(("status", get("status")), _checked_status, get("status")),
            "source": once(("source", get("source")), _optional, get("source"), "source", 50),
            "channels": channels,
            "addresses": list(once(("address", address), _checked_address, address)) + list(
                once(("other addresses", get("other_addresses")), _checked_other_addresses,
                     get("other_addresses"))),
            "tags": list(once(("tags", tags), _checked_tags, tags)),
            "secrets": {"id_card": once(("id_card", id_digits), inputs.secret, "id_card",
                                        id_digits, self.today)} if id_digits else {},
        }


_MISSING = object()
_STAND_IN_NAME = ["?"]  # a valid name beside a field checked alone


def other_problems(checker: Checker, number: int, found: dict[str, list[Cell]],
                   first: CrmError) -> list[CrmError]:
    """A refused row's problems besides ``first``: each field checked alone, by the same
    checks, so the row comes back with every reason at once instead of one per attempt."""
    seen = {(first.code, first.params.get("field"))}
    others: list[CrmError] = []
    alone: list[dict[str, list[Cell]]] = [{"name": found["name"]} if "name" in found else {}]
    alone += [{"name": _STAND_IN_NAME, name: values} for name, values in found.items()
              if name not in ("name", EXTRA)]
    for row in alone:
        try:
            checker.check(number, row)
        except CrmError as raised:
            error = raised.kept()
            key = (error.code, error.params.get("field"))
            if key not in seen:
                seen.add(key)
                others.append(error)
    return others


def _phone_parts(cell: Cell) -> tuple[str, ...]:
    return tuple(cells.split_list(cells.digits(cell, "phone")))


def _optional(value: str | None, field: str, max_length: int = inputs.TEXT_MAX) -> str | None:
    return inputs.optional_text(value, field=field, max_length=max_length)


def _birthday(cell: Cell, today: dt.date) -> dt.date | None:
    return inputs.birthday(cells.date_value(cell) if cell is not None else None, today)


def _checked_status(value: str | None) -> str:
    return inputs.status(_status(value))


def _checked_address(parts: tuple[str | None, ...]) -> tuple[inputs.AddressInput, ...]:
    if not any(parts):
        return ()
    return tuple(_primary_address([inputs.address(inputs.AddressInput(
        **dict(zip(ADDRESS_FIELDS, parts, strict=True))))]))


def _checked_other_addresses(cell: str | None) -> tuple[inputs.AddressInput, ...]:
    return tuple(inputs.address(item) for item in other_addresses(cell))


def _checked_tags(tags: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(inputs.tags(tags))
