"""Which column holds what: headers in Chinese or English with their common variants, found
below title rows and across merged header rows; unknown columns are reported and kept (in the
customer's notes), never dropped. Every column a customers export writes is understood, so an
export can be imported again."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from crm.errors import ValidationError
from crm.imports.dates import DateOrder
from crm.imports.reading import Cell

HEADER_SCAN = 10  # rows looked at for the header (title rows may come first)

# Fields a column can feed; several columns may feed the multi-valued ones.
ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "客户名称", "客户姓名", "客户名", "名称", "客户", "联系人", "联系人姓名",
             "name", "fullname", "customer", "customername", "contact", "contactname"),
    # A name in two columns (surname and given name), joined into the name when the file has
    # no whole-name column (crm.customers.inputs.name_from_parts). 名字 alone is the whole name.
    "family_name": ("姓", "姓氏", "lastname", "familyname", "surname"),
    "given_name": ("名", "名字", "firstname", "givenname"),
    "gender": ("性别", "gender", "sex"),
    "birthday": ("生日", "出生日期", "出生年月日", "出生年月", "birthday", "birthdate",
                 "dateofbirth", "dob"),
    "phone": ("手机", "手机号", "手机号码", "电话", "电话号码", "联系电话", "移动电话", "手机电话",
              "座机", "座机号", "座机号码", "座机电话", "固定电话", "固话", "办公电话", "公司电话",
              "单位电话", "家庭电话", "住宅电话", "备用电话", "备用手机", "备用号码", "其他电话",
              "其它电话", "联系号码", "phone", "phones", "mobile", "mobilephone", "mobilenumber",
              "cell", "cellphone", "tel", "telephone", "phonenumber", "businessphone",
              "workphone", "officephone", "homephone", "otherphone", "mobilephonenumber"),
    "email": ("邮箱", "电子邮箱", "邮件", "电子邮件", "邮箱地址", "邮件地址", "备用邮箱",
              "其他邮箱", "email", "emails", "mail", "emailaddress", "workemail",
              "personalemail"),
    "wechat": ("微信", "微信号", "微信号码", "微信账号", "wechat", "weixin", "wechatid"),
    "qq": ("qq", "qq号", "qq号码"),
    "other_channels": ("其他联系方式", "otherchannels"),  # kind:value pairs, as exported
    "company": ("公司", "公司名称", "单位", "工作单位", "企业", "企业名称", "所属公司", "company",
                "companyname", "organization", "organisation", "employer", "accountname",
                "associatedcompany"),
    "industry": ("行业", "所属行业", "industry"),
    "occupation": ("职位", "职务", "职业", "职称", "title", "jobtitle", "position", "occupation"),
    # HubSpot and Salesforce exports write Country/Region, State/Region, Mailing City...
    "country": ("国家", "国家地区", "country", "countryregion", "mailingcountry"),
    # A region in one cell (浙江杭州, 广东省广州市天河区): split into the parts below.
    "region": ("所在地区", "地区", "所属地区", "区域", "所属区域", "所在区域", "所在地", "省市",
               "省市区", "所在省市", "region"),
    "province": ("省", "省份", "所在省", "province", "state", "stateregion",
                 "stateprovince", "mailingstate", "mailingstateprovince"),
    "city": ("市", "城市", "所在城市", "city", "mailingcity"),
    "district": ("区", "区县", "县区", "县", "district", "county"),
    "street": ("地址", "详细地址", "街道", "街道地址", "联系地址", "address", "street",
               "streetaddress", "mailingstreet"),
    "postal_code": ("邮编", "邮政编码", "postalcode", "postcode", "zip", "zipcode",
                    "zippostalcode", "mailingpostalcode", "mailingzip", "mailingzippostalcode"),
    # A customers export's further addresses, each on one line, " | " between them.
    "other_addresses": ("其他地址", "otheraddresses"),
    "tags": ("标签", "客户标签", "tags", "tag", "labels"),
    "owner": ("负责人", "归属人", "所属销售", "客户经理", "销售", "跟进人", "owner",
              "assignedto", "salesrep", "accountmanager", "contactowner", "leadowner"),
    "source": ("来源", "客户来源", "线索来源", "source", "leadsource"),
    "notes": ("备注", "说明", "描述", "notes", "note", "remark", "remarks", "comment",
              "comments", "description"),
    "status": ("状态", "客户状态", "status"),
    "id_card": ("身份证", "身份证号", "身份证号码", "idcard", "idnumber", "idcardnumber"),
    # A customers export's own number: matches that customer when the name agrees too.
    "id": ("编号", "客户编号", "客户id", "id", "customerid"),
}
# Columns that only number the rows (序号), and the two a rejects file adds (its row number
# and the reasons) when it comes back corrected: nothing about the customer, so they are
# neither reported as unknown nor copied into notes. A reason column counts only beside a
# row-number one (a list of customers may well have a column of its own called 原因).
ROW_NUMBER_HEADERS = frozenset({"序号", "序", "行号", "no", "row", "rowno"})
REASON_HEADERS = frozenset({"原因", "reason", "reasons"})
# A customers export's own bookkeeping (when the record was created, when it was last
# contacted), headed in either language: read-only, kept by the CRM itself, so known columns
# that an import leaves out, never "column: value" lines in the notes. A file with them is an
# export of this CRM, so its 编号 is that export's own number: it finds the customer, and is
# no number from elsewhere to keep in a new customer's notes either.
EXPORT_BOOKKEEPING_HEADERS = frozenset({"创建时间", "最近联系", "created", "createdat",
                                        "lastcontact", "lastcontactat"})
# A list of accounts names the customer (客户名称) and, beside it, the person to speak to
# (联系人): the customer is then that person, at a company of the account's name.
ACCOUNT_NAME_HEADERS = frozenset({"客户名称", "客户名", "名称", "客户", "customer",
                                  "customername"})
NAME_PARTS = ("family_name", "given_name")
_NAME_FIELDS = frozenset({"name", *NAME_PARTS})
_BY_ALIAS = {alias: field for field, names in ALIASES.items() for alias in names}
# Fields several columns feed: their headers are often numbered (手机1, 手机2, 电话2, Email 1).
# Other fields take one column, so a numbered name (联系人2, a second contact) is no such field.
NUMBERED_FIELDS = frozenset({"phone", "email", "tags"})
_DIGITS = "0123456789"
_BRACKETS = re.compile(r"[(（\[【<《].*?[)）\]】>》]")
_NOISE = re.compile(r"[\s*＊:：_\-./·・#]+")


def header_key(text: object) -> str:
    """A header as compared: full width folded, lower case, without notes in brackets,
    required-field stars, spaces and punctuation (``手机号码(必填)*`` → ``手机号码``)."""
    folded = unicodedata.normalize("NFKC", str(text or "")).lower()
    return _NOISE.sub("", _BRACKETS.sub("", folded))


def field_of(text: object) -> str | None:
    """The field a header names, or None (``手机2`` names a phone, ``联系人2`` nothing)."""
    key = header_key(text)
    field = _BY_ALIAS.get(key)
    if field is None and key[-1:].isdigit():
        numbered = _BY_ALIAS.get(key.rstrip(_DIGITS))
        return numbered if numbered in NUMBERED_FIELDS else None
    return field


@dataclass(frozen=True)
class ColumnMap:
    """What each column of the file feeds; data starts at ``first_data_row`` (0-based)."""

    first_data_row: int
    labels: tuple[str, ...]  # each column's header as written (or "column C")
    fields: tuple[str | None, ...]  # each column's field; None when unknown or empty
    unknown: tuple[str, ...]  # labels of columns with data that no field takes
    kept: tuple[int, ...] = ()  # their indexes: kept in the notes as "header: value" lines
    bookkeeping: tuple[str, ...] = ()  # labels of an export's read-only columns, left out
    # The order of day and month in each date column that writes them as numbers (03/04/1990),
    # by column index: decided once for the column (crm.imports.dates).
    date_orders: dict[int, DateOrder] = field(default_factory=dict)

    @cached_property
    def mapped(self) -> tuple[tuple[int, str], ...]:
        """(column index, field) of the columns that feed a field."""
        return tuple((i, name) for i, name in enumerate(self.fields) if name is not None)

    @cached_property
    def name_column(self) -> int:
        """The first column the customer's name comes from (its own, or a part's)."""
        return next(i for i, name in enumerate(self.fields) if name in _NAME_FIELDS)

    def label_of(self, field: str) -> str:
        """The header of the first column feeding ``field`` (for problem reports); a name
        joined from two columns names both (姓 + 名)."""
        for label, name in zip(self.labels, self.fields, strict=True):
            if name == field:
                return label
        if field == "name":
            parts = [label for label, name in zip(self.labels, self.fields, strict=True)
                     if name in NAME_PARTS]
            return " + ".join(parts) or field
        return field


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: how a spreadsheet names a column."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _text(cell: Cell) -> str:
    return "" if cell is None else str(cell).strip()


def _fields(row: Sequence[Cell]) -> dict[int, str]:
    found = {}
    for column, cell in enumerate(row):
        field = field_of(_text(cell)) if _text(cell) else None
        if field:
            found[column] = field
    return found


def names_customers(rows: Sequence[Sequence[Cell]]) -> bool:
    """Whether a header naming the customer's name is among the first rows: a sheet holding
    the list, not a cover page or instructions in front of it."""
    return any(_NAME_FIELDS & set(_fields(row).values()) for row in rows[:HEADER_SCAN])


def map_columns(rows: Sequence[Sequence[Cell]]) -> ColumnMap:
    """Find the header among the first rows (the one naming most fields) and map its columns.

    Merged header rows are read as one header: a row just below that names fields where the
    header row has a group title (联系方式 over 手机 and 邮箱) joins it, and a cell left empty
    by a vertical merge takes the header above it."""
    scan = list(rows[:HEADER_SCAN])
    if not scan:
        raise ValidationError("import.no_rows", field="file")
    found = [_fields(row) for row in scan]
    best = max(range(len(scan)), key=lambda i: (len(set(found[i].values())), -i))
    if not found[best]:
        raise ValidationError("import.no_header", field="file",
                              expected=tuple(ALIASES["name"][:3] + ALIASES["phone"][:2]))
    last = best
    below = found[best + 1] if best + 1 < len(scan) else {}
    if (below and "name" not in below.values() and not set(below) & set(found[best])) \
            or _splits_name(found[best], below):
        last = best + 1  # a second header row under merged group titles
    width = max(len(row) for row in rows[best:last + 1000])
    labels, fields = [], []
    for column in range(width):
        label, field = _header(scan, found, last, column)
        labels.append(label or f"column {column_letter(column)}")
        fields.append(field)
    fields = _name_source(rows, last + 1, fields)
    if "name" in fields:
        # The whole name wins; the parts are kept in the notes like any unknown column.
        fields = [None if field in NAME_PARTS else field for field in fields]
    elif not _NAME_FIELDS & set(fields):
        raise ValidationError("import.no_name_column", field="file",
                              expected=tuple(ALIASES["name"][:4]))
    fields = _one_column_each(rows, last + 1, _account_as_company(labels, fields))
    # The id column is kept in new customers' notes too: a number from another system is
    # worth keeping when it matches nobody here (but not an export's own number).
    exported = {c for c in range(width) if header_key(labels[c]) in EXPORT_BOOKKEEPING_HEADERS}
    skipped = _bookkeeping(labels) | exported
    notes_take = (None,) if exported else (None, "id")
    kept = tuple(c for c in range(width) if fields[c] in notes_take and c not in skipped
                 and _has_data(rows, last + 1, c))
    return ColumnMap(last + 1, tuple(labels), tuple(fields),
                     tuple(labels[c] for c in kept if fields[c] is None), kept,
                     tuple(labels[c] for c in sorted(exported) if _has_data(rows, last + 1, c)))


def _name_source(rows: Sequence[Sequence[Cell]], first: int,
                 fields: list[str | None]) -> list[str | None]:
    """The fields with the whole-name column left out when it holds no value in any row but
    the surname or given-name columns do (a column of formulas saved without their results,
    or one nobody filled in): the parts then make the name."""
    names = [c for c, field in enumerate(fields) if field == "name"]
    parts = [c for c, field in enumerate(fields) if field in NAME_PARTS]
    if not names or not parts or any(_has_data(rows, first, c) for c in names) \
            or not any(_has_data(rows, first, c) for c in parts):
        return fields
    return [None if field == "name" else field for field in fields]


def _account_as_company(labels: Sequence[str], fields: list[str | None]) -> list[str | None]:
    """The fields with an account's name (客户名称) feeding the company when another column
    names the person (联系人) and no column is the company's."""
    names = [c for c, name in enumerate(fields) if name == "name"]
    accounts = [c for c in names if header_key(labels[c]) in ACCOUNT_NAME_HEADERS]
    if "company" in fields or not accounts or len(accounts) == len(names):
        return fields
    return ["company" if c == accounts[0] else name for c, name in enumerate(fields)]


def _one_column_each(rows: Sequence[Sequence[Cell]], first: int,
                     fields: list[str | None]) -> list[str | None]:
    """The fields with one column each where a row has one value (name, notes, company...):
    the first column holding data feeds it, and the others are kept in the notes like an
    unknown column rather than dropped (备注 beside 说明, a second 联系人)."""
    chosen: dict[str, int] = {}
    for column, name in enumerate(fields):
        if name is None or name in NUMBERED_FIELDS:
            continue
        if name not in chosen or (not _has_data(rows, first, chosen[name])
                                  and _has_data(rows, first, column)):
            chosen[name] = column
    return [name if name is None or name in NUMBERED_FIELDS or chosen[name] == column
            else None for column, name in enumerate(fields)]


def _splits_name(header: dict[int, str], below: dict[int, str]) -> bool:
    """The row below parts the name column: 姓名 merged over 姓 and 名."""
    return bool(below) and set(below.values()) <= set(NAME_PARTS) and \
        "name" in header.values() and all(header.get(c) in (None, "name") for c in below)


def _bookkeeping(labels: Sequence[str]) -> set[int]:
    """The columns that number the rows or give a rejects file's reasons."""
    keys = [header_key(label) for label in labels]
    numbers = {c for c, key in enumerate(keys) if key in ROW_NUMBER_HEADERS}
    reasons = {c for c, key in enumerate(keys) if key in REASON_HEADERS} if numbers else set()
    return numbers | reasons


def _header(scan: Sequence[Sequence[Cell]], found: list[dict[int, str]], last: int,
            column: int) -> tuple[str, str | None]:
    """The column's header text and field: the lowest header cell naming a field, else the
    lowest non-empty one (reported as unknown)."""
    fallback = ""
    for row in range(last, -1, -1):
        cells = scan[row]
        text = _text(cells[column]) if column < len(cells) else ""
        if column in found[row]:
            return text, found[row][column]
        fallback = fallback or (text if row >= last - 1 else "")
    return fallback, None


def _has_data(rows: Sequence[Sequence[Cell]], first: int, column: int) -> bool:
    return any(column < len(row) and _text(row[column]) for row in rows[first:])
