"""A region written in one cell (所在地区: 浙江杭州, 广东省广州市天河区) as the parts of an
address: province, city and district, named as the rest of the product names them (浙江, 杭州;
a municipality is its own city: 北京, 北京). A cell naming only a city (杭州, 深圳市南山区) gets
the city's province (``crm.imports.cities``)."""

from __future__ import annotations

import re
from typing import NamedTuple

from crm.imports.cities import LONGEST, PLACES, province_of

MUNICIPALITIES = ("北京", "天津", "上海", "重庆")
PROVINCES = (*MUNICIPALITIES, "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽",
             "福建", "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州",
             "云南", "陕西", "甘肃", "青海", "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆",
             "香港", "澳门")
# What follows a province's name when written in full (广西壮族自治区, 香港特别行政区).
_PROVINCE_SUFFIX = re.compile(r"(?:省|市|(?:壮族|回族|维吾尔)?自治区|特别行政区)?")
_SEPARATORS = re.compile(r"[\s,，、/\-－·]+")
_LOCAL = re.compile(r"(?:区|县|旗)$")
_CITY_MAX = 4  # a city's name without 市 (杭州, 石家庄, 乌鲁木齐); longer is more than a city
# What follows a city's name when written in full (深圳市, 阿里地区, 延边朝鲜族自治州).
_CITY_SUFFIX = re.compile(r"(?:市|地区|盟|[^市区县]{0,8}?自治州)?")


class Region(NamedTuple):
    province: str
    city: str | None
    district: str | None
    street: str | None  # what follows the province but cannot be told apart (杭州西湖区)


def split_region(text: str) -> Region | None:
    """The parts of a region cell, or None when it names no province (华东, 海外)."""
    compact = _SEPARATORS.sub("", text)
    province = next((p for p in PROVINCES if compact.startswith(p)), None)
    if province is None:
        return _by_city(compact)
    rest = compact[len(province):]
    rest = rest[_PROVINCE_SUFFIX.match(rest).end():]  # type: ignore[union-attr]
    if province in MUNICIPALITIES:
        return Region(province, province, rest or None, None)
    if "市" in rest:
        city, _, district = rest.partition("市")
        return Region(province, city or None, district or None, None)
    if not rest:
        return Region(province, None, None, None)
    if len(rest) <= _CITY_MAX and not _LOCAL.search(rest):
        return Region(province, rest, None, None)
    return Region(province, None, None, rest)


def _by_city(compact: str) -> Region | None:
    """A region that starts with a city's name, in the city's province; None when it names
    no city, or one two provinces have (朝阳)."""
    city = next((compact[:size] for size in range(min(LONGEST, len(compact)), 1, -1)
                 if compact[:size] in PLACES), None)
    province = province_of(city) if city else None
    if city is None or province is None:
        return None
    rest = compact[len(city):]
    suffix = _CITY_SUFFIX.match(rest).end()  # type: ignore[union-attr]
    rest = rest[suffix:]
    if not rest:
        return Region(province, city, None, None)
    if suffix or _LOCAL.search(rest):  # 深圳市南山区, 杭州西湖区
        return Region(province, city, rest, None)
    return Region(province, city, None, rest)
