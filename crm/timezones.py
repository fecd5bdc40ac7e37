"""Time zone names as people type them; a pure rule over the IANA database."""

from __future__ import annotations

from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

# Names the database carries that are no place anyone lives in.
_NOT_ZONES = {"localtime", "Factory"}
# A city typed alone is looked for in the areas of today's names only: old aliases
# (US/Pacific, Canada/Pacific, Etc/GMT+8) stay valid typed in full, but "Pacific" names no city.
_AREAS = ("Africa/", "America/", "Antarctica/", "Arctic/", "Asia/", "Atlantic/", "Australia/",
          "Europe/", "Indian/", "Pacific/")


def is_zone(name: str) -> bool:
    """Whether ``name`` is exactly an IANA time zone: a folder of the database such as
    ``Pacific`` or ``America`` is not one, nor is a path that leaves it."""
    if name in _NOT_ZONES:
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def find_zone(typed: str) -> str | None:
    """The IANA name for what someone typed: the name in any case (``asia/tokyo``), or a
    city alone with spaces for underscores (``Los Angeles``, ``new york``, ``Berlin``); None
    when it names no zone, or several."""
    text = " ".join(typed.split())
    if is_zone(text):
        return text
    wanted = text.replace(" ", "_").casefold()
    exact = [name for name in _zones() if name.casefold() == wanted]
    if len(exact) == 1:
        return exact[0]
    cities = {name for name in _zones()
              if name.startswith(_AREAS) and name.rsplit("/", 1)[1].casefold() == wanted}
    areas = {name.split("/", 1)[0] for name in cities}
    # America/Buenos_Aires and America/Argentina/Buenos_Aires are one place, two spellings
    return min(cities) if len(areas) == 1 else None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones() - _NOT_ZONES)
