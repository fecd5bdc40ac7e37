"""Rendering the sales screens: money, stages, the pipeline, a deal, its history, the forecast.

Texts come from the catalogues (trusted HTML, parameters escaped); button labels are plain text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal

from telegram import InlineKeyboardMarkup

from bot.handlers.sales.trips import DealScreen, Forecast, Overview
from bot.i18n import money, t
from bot.keyboards import Button, data, keyboard
from bot.render import clip, merged_from_lines, pager, when
from crm.sales.figures import MonthFigure
from crm.sales.money import DEFAULT_CURRENCY
from crm.sales.views import LOST_REASONS, DealSummary, DealView, Page, StageMove, StageView

LABEL_MAX = 60

OTHER_REASON = "other"  # the lost reason that asks for a note


def button(locale: str, key: str, *parts: object, **params: object) -> Button:
    """A (label, callback data) pair; the label is plain text."""
    return t(locale, key, html_escape=False, **params), data(*parts)


def rows_of(buttons: list[Button], width: int = 2) -> list[list[Button]]:
    """Buttons laid out ``width`` to a row."""
    return [buttons[i:i + width] for i in range(0, len(buttons), width)]


def sums(locale: str, amounts: Mapping[str, Decimal]) -> str:
    """Amounts in several currencies, never added together."""
    return " + ".join(money(locale, v, code) for code, v in amounts.items()) or money(
        locale, Decimal(0), DEFAULT_CURRENCY)


def day(value: dt.date | None) -> str:
    return value.isoformat() if value else "—"


def month(value: dt.date | None, locale: str) -> str:
    return value.strftime("%Y-%m") if value else t(locale, "forecast.no_date")


def stage_name(locale: str, stage: StageView) -> str:
    return stage.name(locale)


# /deals ---------------------------------------------------------------------------------------
def overview_text(locale: str, overview: Overview) -> str:
    """Open stages with counts and sums; won and lost this month."""
    lines = [t(locale, "deals.title")]
    lines += [t(locale, "deals.stage_line", stage=stage_name(locale, f.stage),
                probability=f.stage.probability, count=f.count, amount=sums(locale, f.amounts))
              for f in overview.current]
    lines.append(t(locale, "deals.closed_title"))
    lines += [t(locale, f"deals.{f.stage.kind}_line", stage=stage_name(locale, f.stage),
                count=f.count, amount=sums(locale, f.amounts)) for f in overview.closed]
    return "\n".join(lines)


def overview_keyboard(locale: str, overview: Overview) -> InlineKeyboardMarkup:
    """One button per stage, opening its deals."""
    open_buttons = [button(locale, "deals.stage_button", "ds", f.stage.id, 0,
                           stage=stage_name(locale, f.stage), count=f.count)
                    for f in overview.current]
    closed = [button(locale, "deals.closed_button", "ds", f.stage.id, 0,
                     stage=stage_name(locale, f.stage)) for f in overview.closed]
    return keyboard([*rows_of(open_buttons), closed])


def deal_label(item: DealSummary) -> str:
    """A deal in a list, as a button label."""
    return clip(f"{item.title} · {item.customer_name}", LABEL_MAX)


def stage_text(locale: str, stage: StageView, page: Page[DealSummary]) -> str:
    """One page of a stage's deals."""
    lines = [t(locale, "deals.stage_title", stage=stage_name(locale, stage),
               probability=stage.probability)]
    if not page.items:
        lines.append(t(locale, "deals.stage_empty"))
    lines += [t(locale, "deals.deal_line", number=page.offset + i, title=item.title,
                customer=item.customer_name, amount=money(locale, item.amount, item.currency),
                close=day(item.expected_close))
              for i, item in enumerate(page.items, start=1)]
    return "\n".join(lines)


def stage_keyboard(locale: str, stage: StageView, page: Page[DealSummary],
                   limit: int) -> InlineKeyboardMarkup:
    """A button per deal, ◀ ▶, and the way back to the pipeline."""
    rows: list[list[Button]] = [[(deal_label(item), data("d", item.id))]
                                for item in page.items]
    return keyboard([*rows, pager(page, limit, "ds", stage.id),
                     [button(locale, "deals.back", "dp")]])


def customer_deals_text(locale: str, name: str, page: Page[DealSummary],
                        stages: Mapping[int, StageView]) -> str:
    """One page of a customer's deals: title, stage, amount, expected close."""
    lines = [t(locale, "deals.customer_title", name=name)]
    if not page.items:
        lines.append(t(locale, "deals.customer_empty"))
    for number, item in enumerate(page.items, start=page.offset + 1):
        stage = stages.get(item.stage_id)
        lines.append(t(locale, "deals.customer_line", number=number, title=item.title,
                       stage=stage_name(locale, stage) if stage else "—",
                       amount=money(locale, item.amount, item.currency),
                       close=day(item.expected_close)))
    return "\n".join(lines)


def customer_deals_keyboard(locale: str, customer_id: int, page: Page[DealSummary],
                            limit: int, can_create: bool) -> InlineKeyboardMarkup:
    """A button per deal, ◀ ▶, ➕ a new deal (for who may), and back to the card."""
    rows: list[list[Button]] = [[(clip(item.title, LABEL_MAX), data("d", item.id))]
                                for item in page.items]
    last = [button(locale, "deals.customer_new", "dn", customer_id)] if can_create else []
    last.append(button(locale, "deals.customer_back", "c", customer_id))
    return keyboard([*rows, pager(page, limit, "cd", customer_id), last])


# the deal card --------------------------------------------------------------------------------
def deal_text(locale: str, deal: DealView) -> str:
    """Everything about a deal, one fact a line."""
    stage = stage_name(locale, deal.stage)
    lines = [t(locale, "deal.card.title", title=deal.title),
             t(locale, "deal.card.customer", customer=deal.customer_name),
             *merged_from_lines(locale, deal.merged_from)]
    if deal.company_name:
        lines.append(t(locale, "deal.card.company", company=deal.company_name))
    lines += [t(locale, "deal.card.owner", owner=deal.owner_name or "—"),
              t(locale, "deal.card.amount", amount=money(locale, deal.amount, deal.currency)),
              t(locale, "deal.card.close", date=day(deal.expected_close)),
              t(locale, "deal.card.stage", stage=stage, probability=deal.stage.probability)]
    if deal.source:
        lines.append(t(locale, "deal.card.source", source=deal.source))
    if deal.notes:
        lines.append(t(locale, "deal.card.notes", notes=deal.notes))
    if deal.lost_reason:
        shown, note = lost_because(locale, deal.lost_reason, deal.lost_note)
        lines.append(t(locale, "deal.card.lost", reason=shown))
        if note:
            lines.append(t(locale, "deal.card.lost_note", note=note))
    return "\n".join(lines)


def reason(locale: str, code: str) -> str:
    return t(locale, f"deal.reason.{code}", html_escape=False)


def lost_because(locale: str, code: str, note: str | None) -> tuple[str, str | None]:
    """Why a deal was lost, and the note below it: "Other…" is a button's word, so a reason
    given as other reads as its note."""
    if code == OTHER_REASON and note:
        return note, None
    return reason(locale, code), note


def move_buttons(locale: str, screen: DealScreen) -> list[Button]:
    """The later open stages (every open one once closed), then won and lost; and from an
    open stage the one just before it, so a wrong tap can be taken back."""
    deal, stages = screen.deal, screen.pipeline.stages
    here = deal.stage
    later = [s for s in stages if s.kind == "open" and (
        here.kind != "open" or s.position > here.position)]
    keys = {"open": "deal.card.move_to", "won": "deal.card.won", "lost": "deal.card.lost_button"}
    closing = [s for s in stages if s.kind != "open" and s.id != here.id]
    # ✖ Lost asks why in a conversation (dq), so a reason typed there is taken as the reason.
    # Each move carries the stage the card shows: pressed after the deal moved, it is refused.
    moves = [button(locale, keys[s.kind], "dq" if s.kind == "lost" else "dm", deal.id, s.id,
                    here.id, stage=stage_name(locale, s)) for s in [*later, *closing]]
    earlier = [s for s in stages if s.kind == "open" and here.kind == "open"
               and s.position < here.position]
    if earlier:
        moves.append(button(locale, "deal.card.move_back", "dm", deal.id, earlier[-1].id,
                            here.id, stage=stage_name(locale, earlier[-1])))
    return moves


def deal_keyboard(locale: str, screen: DealScreen) -> InlineKeyboardMarkup:
    """Move, win, lose, edit, the customer, the history and the order; moves and edits only
    for whoever may change the deal, a new order for whoever may make one."""
    deal = screen.deal
    if deal.order_id:
        order = button(locale, "deal.card.order", "o", deal.order_id)
    elif deal.stage.kind == "won" and screen.may_order:
        order = button(locale, "deal.card.new_order", "on", deal.customer_id, deal.id)
    else:
        order = button(locale, "deal.card.orders", "co", deal.customer_id)
    moves = move_buttons(locale, screen) if screen.may_edit else []
    edit = [button(locale, "deal.card.edit", "de", deal.id)] if screen.may_edit else []
    return keyboard([*rows_of(moves),
                     [*edit, button(locale, "deal.card.history", "dh", deal.id),
                      button(locale, "button.remind", "rq", deal.id)],
                     [button(locale, "deal.card.customer_button", "c", deal.customer_id),
                      order]])


def reasons_keyboard(locale: str, deal_id: int, stage_id: int,
                     seen_stage_id: int) -> InlineKeyboardMarkup:
    """The domain's lost reasons (each with the stage the deal was seen in), and the way
    back."""
    reasons = [(reason(locale, code), data("dr", deal_id, stage_id, code, seen_stage_id))
               for code in LOST_REASONS]
    return keyboard([*rows_of(reasons), [button(locale, "deal.history.back", "d", deal_id)]])


def won_keyboard(locale: str, deal_id: int, stage_id: int,
                 seen_stage_id: int) -> InlineKeyboardMarkup:
    """Win with or without an order (from the stage the deal was seen in)."""
    return keyboard([[button(locale, "deal.won.with_order", "dw", deal_id, stage_id, 1,
                             seen_stage_id)],
                     [button(locale, "deal.won.without_order", "dw", deal_id, stage_id, 0,
                             seen_stage_id)],
                     [button(locale, "deal.history.back", "d", deal_id)]])


EDIT_FIELDS = ("title", "amount", "expected_close", "notes")


def edit_keyboard(locale: str, deal_id: int) -> InlineKeyboardMarkup:
    """Which field of the deal to change."""
    fields = [(t(locale, f"field.{f}", html_escape=False), data("df", deal_id, f))
              for f in EDIT_FIELDS]
    return keyboard([*rows_of(fields), [button(locale, "deal.history.back", "d", deal_id)]])


def history_text(locale: str, deal: DealView, moves: list[StageMove], timezone: str) -> str:
    """Who moved the deal where, and when (and why it was lost)."""
    lines = [t(locale, "deal.history.title", title=deal.title)]
    for move in moves:
        names = ((move.from_name_en, move.to_name_en) if locale.startswith("en")
                 else (move.from_name_zh, move.to_name_zh))
        key = "deal.history.moved" if move.from_stage_id else "deal.history.created"
        lines.append(t(locale, key, when=when(locale, move.moved_at, timezone),
                       source=names[0] or "", target=names[1], who=move.moved_by_name or "—"))
        if move.lost_reason:
            shown, note = lost_because(locale, move.lost_reason, move.lost_note)
            lines.append(t(locale, "deal.history.reason", reason=shown, note=note or ""))
    return "\n".join(lines)


# /forecast ------------------------------------------------------------------------------------
def _month_line(locale: str, key: str, figure: MonthFigure) -> str:
    weighted = money(locale, figure.weighted, figure.currency)
    return t(locale, key, month=month(figure.month, locale), count=figure.count,
             amount=money(locale, figure.amount, figure.currency), weighted=weighted)


def forecast_text(locale: str, forecast: Forecast, year: int) -> str:
    """Weighted forecast by expected-close month, then won per month this year."""
    lines = [t(locale, "forecast.title")]
    lines += [_month_line(locale, "forecast.line", f) for f in forecast.weighted] or [
        t(locale, "forecast.empty")]
    lines += ["", t(locale, "forecast.won_title", year=year)]
    lines += [_month_line(locale, "forecast.won_line", f) for f in forecast.won] or [
        t(locale, "forecast.won_empty")]
    return "\n".join(lines)
