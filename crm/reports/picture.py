"""A report chart as a PNG picture for the chat (matplotlib, Agg, no GUI).

Chinese labels need a CJK font: the first installed one of CJK_FAMILIES is used (Debian:
fonts-noto-cjk or fonts-wqy-microhei). Without one the picture is still drawn, Chinese shows
as empty boxes, and a warning says which package to install.
"""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Iterable, Sequence
from typing import Any

from crm.reports.base import Chart, Report
from crm.reports.labels import Labels, display, header

log = logging.getLogger(__name__)
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "Source Han Sans CN",
                "WenQuanYi Micro Hei", "WenQuanYi Zen Hei", "Droid Sans Fallback",
                "AR PL UMing CN", "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC")
# File names of CJK fonts matplotlib's cache may not know yet (installed after it was built).
CJK_FILE_HINTS = ("notosanscjk", "notoserifcjk", "wqy", "sourcehan", "droidsansfallback",
                  "uming", "ukai")
SIZE = (10.0, 5.6)  # inches; at DPI this is a 1100 × 616 picture, clear on a phone
DPI = 110
MAX_LABELS = 26
MIN_SLOTS = 4  # the category axis has room for at least this many bars (or points)
# Room above the tallest bar, as a share of it: matplotlib's own margin goes when a stacked
# bar's top segment is empty (its zero-height piece pins the axis to the stack's top).
HEADROOM = 0.08


def pick_family(available: Iterable[str], families: Sequence[str] = CJK_FAMILIES
                ) -> str | None:
    """The preferred CJK family among the installed ones."""
    names = set(available)
    return next((family for family in families if family in names), None)


def choose_cjk_font(manager: Any, files: Iterable[str],
                    families: Sequence[str] = CJK_FAMILIES) -> str | None:
    """The CJK family to draw with from a matplotlib font manager, first adding font
    ``files`` that look like CJK fonts it has not scanned yet; None (and a warning) when
    there is none."""
    found = pick_family((f.name for f in manager.ttflist), families)
    if found is None:
        for path in files:
            if any(hint in path.lower().replace("-", "") for hint in CJK_FILE_HINTS):
                manager.addfont(path)
        found = pick_family((f.name for f in manager.ttflist), families)
    if found is None:
        log.warning("no CJK font found: Chinese text in report pictures will not show; "
                    "install fonts-noto-cjk or fonts-wqy-microhei")
    return found


@functools.cache
def cjk_family() -> str | None:
    """The CJK font family of this machine, looked up once."""
    from matplotlib import font_manager

    return choose_cjk_font(font_manager.fontManager, font_manager.findSystemFonts())


def chart_png(report: Report, chart: Chart, labels: Labels) -> bytes:
    """The chart drawn as a PNG (title, categories and series names in the reader's words)."""
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    table = report.table(chart.table)
    family = cjk_family()
    fonts = [family, "DejaVu Sans"] if family else ["DejaVu Sans"]
    with matplotlib.rc_context({"font.family": "sans-serif", "font.sans-serif": fonts,
                                "axes.unicode_minus": False}):
        figure = Figure(figsize=SIZE, dpi=DPI)
        FigureCanvasAgg(figure)
        axes = figure.add_subplot()
        categories = [display(row[0], labels, table.columns[0].kind) for row in table.rows]
        series = [(header(table.columns[i], labels), [float(row[i] or 0) for row in table.rows])
                  for i in chart.series]
        axes.set_title(labels(f"reports.chart.{chart.key}", **dict(chart.params)))
        if not report.draws(chart):
            axes.text(0.5, 0.5, labels(chart.empty), ha="center", va="center",
                      transform=axes.transAxes)
            axes.set_axis_off()
        else:
            _draw(axes, chart, categories, series)
            _axis_titles(axes, chart, header(table.columns[0], labels),
                         labels(f"reports.axis.{chart.value_axis}", **dict(chart.params)))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw(axes, chart: Chart, categories: list[str],
          series: list[tuple[str, list[float]]]) -> None:
    positions = list(range(len(categories)))
    if chart.kind == "pie":
        axes.pie(series[0][1], labels=categories, autopct="%1.0f%%")
        return
    if chart.kind == "line":
        for name, values in series:
            axes.plot(positions, values, marker="o", label=name)
    else:
        _bars(axes, chart, positions, series)
    _category_room(axes, chart, len(categories))
    # At most MAX_LABELS category labels: more cannot be read, and each costs drawing time.
    step = -(-len(categories) // MAX_LABELS)
    shown, names = positions[::step], categories[::step]
    if chart.kind == "bar":
        axes.set_yticks(shown, names)
        axes.invert_yaxis()  # first step on top, as a funnel reads
    else:
        axes.set_xticks(shown, names, rotation=30 if len(names) > 6 else 0,
                        ha="right" if len(names) > 6 else "center")
    _value_axis(axes.xaxis if chart.kind == "bar" else axes.yaxis, series)
    axes.grid(axis="x" if chart.kind == "bar" else "y", alpha=0.3)
    if len(series) > 1:
        axes.legend(fontsize="small")


def _category_room(axes: Any, chart: Chart, count: int) -> None:
    """Room for at least MIN_SLOTS categories: one month or one week alone would otherwise be
    a bar across the whole chart (matplotlib fits the axis to what is drawn)."""
    if count >= MIN_SLOTS:
        return
    spare = (MIN_SLOTS - count) / 2
    limits = (-0.5 - spare, count - 0.5 + spare)
    if chart.kind == "bar":
        axes.set_ylim(*limits)
    else:
        axes.set_xlim(*limits)


def _axis_titles(axes: Any, chart: Chart, categories: str, values: str) -> None:
    """What each axis counts: the categories (stage, month…) and the values (deals, an amount
    in its currency…); a horizontal bar chart has its values across."""
    if chart.kind == "pie":
        return
    across, up = (values, categories) if chart.kind == "bar" else (categories, values)
    axes.set_xlabel(across)
    axes.set_ylabel(up)


def _value_axis(axis: Any, series: list[tuple[str, list[float]]]) -> None:
    """Whole-number ticks for counts, thousands separated (12,000 rather than 12000)."""
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if all(value.is_integer() for _, values in series for value in values):
        axis.set_major_locator(MaxNLocator(integer=True))
    axis.set_major_formatter(FuncFormatter(
        lambda value, _: f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"))


def _bars(axes, chart: Chart, positions: list[int],
          series: list[tuple[str, list[float]]]) -> None:
    draw = axes.barh if chart.kind == "bar" else axes.bar
    width = 0.8 if chart.stacked else 0.8 / len(series)
    base = [0.0] * len(positions)
    for index, (name, values) in enumerate(series):
        if chart.stacked:
            spot = positions
            extra = {"left" if chart.kind == "bar" else "bottom": list(base)}
            base = [b + v for b, v in zip(base, values, strict=True)]
        else:
            spot = [p - 0.4 + width * (index + 0.5) for p in positions]
            extra = {}
        draw(spot, values, width, label=name, **extra)  # the third is the bar's thickness
    tallest = max((*base, *(v for _, values in series for v in values)), default=0.0)
    if tallest > 0:
        limit = tallest * (1 + HEADROOM)
        if chart.kind == "bar":
            axes.set_xlim(right=limit)
        else:
            axes.set_ylim(top=limit)
