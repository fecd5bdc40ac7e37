"""`crm pipeline ...`, `crm assignment ...` and `crm product ...`: sales settings from the
server's shell (the operator acts as the trusted system actor; everything is audited)."""

from __future__ import annotations

import argparse

from bot.audit_text import VALUE_GROUPS, field_words, value_words
from bot.cli_args import CommandParser
from bot.terminal import STAFF_METAVAR, Terminal, code_named, group, staff_member
from crm import sales, system, users
from crm.actors import Actor, Channel
from crm.config import Config
from crm.sales.views import (
    ASSIGNMENT_MODES,
    RULE_FIELDS,
    STAGE_KINDS,
    AssignmentSettings,
    PipelineView,
    ProductView,
)

SYSTEM = Actor.system(Channel.CLI)


def register(crm: CommandParser) -> None:
    """Add the sales settings commands to the parser."""
    _register_pipeline(group(crm, "pipeline", "cli_help.pipeline.about"))
    _register_assignment(group(crm, "assignment", "cli_help.assignment.about"))
    _register_product(group(crm, "product", "cli_help.product.about"))


def _register_pipeline(pipeline: CommandParser) -> None:
    show = pipeline.command("show", cmd_pipeline_show, "cli_help.pipeline.show.about")
    _pipeline_option(show)
    added = pipeline.command("add-stage", cmd_stage_add, "cli_help.pipeline.add_stage.about")
    added.add_argument("name_zh", help=added.text("cli_help.pipeline.add_stage.name_zh"))
    added.add_argument("name_en", help=added.text("cli_help.pipeline.add_stage.name_en"))
    added.add_argument("--kind", choices=STAGE_KINDS, default="open",
                       help=added.text("cli_help.pipeline.add_stage.kind"))
    added.add_argument("--probability", type=int, required=True,
                       help=added.text("cli_help.pipeline.percent"))
    added.add_argument("--position", type=int,
                       help=added.text("cli_help.pipeline.add_stage.position"))
    _pipeline_option(added)
    renamed = pipeline.command("rename-stage", cmd_stage_rename,
                               "cli_help.pipeline.rename_stage.about")
    _stage_argument(renamed)
    renamed.add_argument("--zh", help=renamed.text("cli_help.pipeline.rename_stage.zh"))
    renamed.add_argument("--en", help=renamed.text("cli_help.pipeline.rename_stage.en"))
    chance = pipeline.command("probability", cmd_stage_probability,
                              "cli_help.pipeline.probability.about")
    _stage_argument(chance)
    chance.add_argument("percent", type=int, help=chance.text("cli_help.pipeline.percent"))
    order = pipeline.command("reorder", cmd_stage_reorder, "cli_help.pipeline.reorder.about")
    order.add_argument("stage_ids", type=int, nargs="+",
                       help=order.text("cli_help.pipeline.reorder.stage_ids"))
    _pipeline_option(order)
    archived = pipeline.command("archive-stage", cmd_stage_archive,
                                "cli_help.pipeline.archive_stage.about")
    _stage_argument(archived)
    back = pipeline.command("restore-stage", cmd_stage_restore,
                            "cli_help.pipeline.restore_stage.about")
    _stage_argument(back, "cli_help.pipeline.restore_stage.stage_id")


def _pipeline_option(command: CommandParser) -> None:
    command.add_argument("--pipeline", type=int, metavar="ID",
                         help=command.text("cli_help.pipeline.pipeline_id"))


def _stage_argument(command: CommandParser, key: str = "cli_help.pipeline.stage_id") -> None:
    command.add_argument("stage_id", type=int, help=command.text(key))


def _register_assignment(assignment: CommandParser) -> None:
    assignment.command("show", cmd_assignment_show, "cli_help.assignment.show.about")
    mode = assignment.command("mode", cmd_assignment_mode, "cli_help.assignment.mode.about")
    mode.add_argument("mode", help=mode.text("cli_help.assignment.mode.mode",
                                             modes=tuple(ASSIGNMENT_MODES)))
    mode.add_argument("--fallback", metavar=STAFF_METAVAR, help=mode.text("cli_help.staff"))
    mode.add_argument("--team", help=mode.text("cli_help.assignment.mode.team"))
    rule = assignment.command("add-rule", cmd_rule_add, "cli_help.assignment.add_rule.about")
    rule.add_argument("field", help=rule.text("cli_help.assignment.add_rule.field",
                                              fields=tuple(RULE_FIELDS)))
    rule.add_argument("value", help=rule.text("cli_help.assignment.add_rule.value"))
    rule.add_argument("assignee", metavar=STAFF_METAVAR, help=rule.text("cli_help.staff"))
    rule.add_argument("--position", type=int,
                      help=rule.text("cli_help.assignment.add_rule.position"))
    moved = assignment.command("move-rule", cmd_rule_move, "cli_help.assignment.move_rule.about")
    moved.add_argument("rule_id", type=int, help=moved.text("cli_help.assignment.rule_id"))
    moved.add_argument("position", type=int,
                       help=moved.text("cli_help.assignment.move_rule.position"))
    removed = assignment.command("remove-rule", cmd_rule_remove,
                                 "cli_help.assignment.remove_rule.about")
    removed.add_argument("rule_id", type=int, help=removed.text("cli_help.assignment.rule_id"))


def _register_product(product: CommandParser) -> None:
    added = product.command("add", cmd_product_add, "cli_help.product.add.about")
    added.add_argument("name", help=added.text("cli_help.product.add.name"))
    added.add_argument("sku", help=added.text("cli_help.product.add.sku"))
    added.add_argument("price", help=added.text("cli_help.product.add.price"))
    added.add_argument("--currency", default=None,
                       help=added.text("cli_help.product.add.currency"))
    listed = product.command("list", cmd_product_list, "cli_help.product.list.about")
    listed.add_argument("--all", action="store_true", help=listed.text("cli_help.product.list.all"))
    listed.add_argument("--query", help=listed.text("cli_help.product.list.query"))
    price = product.command("price", cmd_product_price, "cli_help.product.price.about")
    price.add_argument("sku", help=price.text("cli_help.product.sku"))
    price.add_argument("price", help=price.text("cli_help.product.price.price"))
    for name, active in (("deactivate", False), ("activate", True)):
        toggled = product.command(name, cmd_product_active, f"cli_help.product.{name}.about")
        toggled.add_argument("sku", help=toggled.text("cli_help.product.sku"))
        toggled.set_defaults(active=active)


def _print_pipeline(config: Config, pipeline: PipelineView) -> int:
    out = Terminal(config.locale)
    out.say("cli.pipeline.title", id=pipeline.id, name=f"{pipeline.name_zh} / {pipeline.name_en}")
    for stage in pipeline.stages:
        out.say("cli.pipeline.stage", id=stage.id, position=stage.position,
                name_zh=stage.name_zh, name_en=stage.name_en,
                kind=value_words(config.locale, "stage_kind", stage.kind, None),
                probability=stage.probability)
    archived = sales.archived_stages(SYSTEM, pipeline.id)
    if archived:  # their numbers are what restore-stage takes
        out.say("cli.pipeline.archived")
        for stage in archived:
            out.say("cli.pipeline.archived_stage", id=stage.id, name_zh=stage.name_zh,
                    name_en=stage.name_en)
    return 0


def cmd_pipeline_show(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    return _print_pipeline(config, sales.get_pipeline(SYSTEM, args.pipeline))


def cmd_stage_add(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    pipeline_id = args.pipeline or sales.ensure_default_pipeline()
    return _print_pipeline(config, sales.add_stage(
        SYSTEM, pipeline_id, args.name_zh, args.name_en, args.kind, args.probability,
        position=args.position))


def cmd_stage_rename(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    stage = sales.rename_stage(SYSTEM, args.stage_id, name_zh=args.zh, name_en=args.en)
    return _print_pipeline(config, sales.get_pipeline(SYSTEM, stage.pipeline_id))


def cmd_stage_probability(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    stage = sales.set_stage_probability(SYSTEM, args.stage_id, args.percent)
    return _print_pipeline(config, sales.get_pipeline(SYSTEM, stage.pipeline_id))


def cmd_stage_reorder(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    pipeline_id = args.pipeline or sales.ensure_default_pipeline()
    return _print_pipeline(config, sales.reorder_stages(SYSTEM, pipeline_id, args.stage_ids))


def cmd_stage_archive(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    return _print_pipeline(config, sales.archive_stage(SYSTEM, args.stage_id))


def cmd_stage_restore(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    return _print_pipeline(config, sales.restore_stage(SYSTEM, args.stage_id))


def _staff_id(written: str | None) -> int | None:
    return staff_member(written).id if written is not None else None


def _print_assignment(config: Config, settings: AssignmentSettings) -> int:
    out = Terminal(config.locale)
    names = {u.id: u.name for u in users.list_users(SYSTEM)}
    teams = {t.id: t.name for t in users.list_teams(SYSTEM)}
    out.say("cli.assignment.mode",
            mode=value_words(config.locale, "assignment_mode", settings.mode, None),
            fallback=names.get(settings.fallback_owner_id, "-"),
            team=teams.get(settings.team_id, "-"))
    # One number per rule, the one move-rule and remove-rule take: the order shows itself.
    out.say("cli.assignment.rules" if settings.rules else "cli.assignment.none")
    for rule in settings.rules:
        out.say("cli.assignment.rule", id=rule.id,
                field=field_words(config.locale, rule.field),
                value=rule.value, assignee=rule.assignee_name)
    return 0


def cmd_assignment_show(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    return _print_assignment(config, sales.get_assignment_settings(SYSTEM))


def cmd_assignment_mode(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    team_id = users.find_team(SYSTEM, args.team).id if args.team else None
    mode = code_named(config.locale, (VALUE_GROUPS["assignment_mode"],), args.mode,
                      ASSIGNMENT_MODES, "mode")
    return _print_assignment(config, sales.configure_assignment(
        SYSTEM, mode, fallback_owner_id=_staff_id(args.fallback), team_id=team_id))


def cmd_rule_add(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    field = code_named(config.locale, ("field",), args.field, RULE_FIELDS, "field")
    return _print_assignment(config, sales.add_assignment_rule(
        SYSTEM, field, args.value, _staff_id(args.assignee), position=args.position))


def cmd_rule_move(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    return _print_assignment(config, sales.move_assignment_rule(SYSTEM, args.rule_id,
                                                                args.position))


def cmd_rule_remove(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    return _print_assignment(config, sales.remove_assignment_rule(SYSTEM, args.rule_id))


def _say_product(out: Terminal, product: ProductView, key: str) -> None:
    out.say(key, sku=product.sku, name=product.name, price=product.unit_price,
            currency=product.currency,
            inactive="" if product.active else out.text("cli.product.inactive"))


def cmd_product_add(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    product = sales.create_product(SYSTEM, args.name, args.sku, args.price,
                                   currency=args.currency)
    _say_product(Terminal(config.locale), product, "cli.product.saved")
    return 0


def cmd_product_list(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    out = Terminal(config.locale)
    products = sales.list_products(SYSTEM, query=args.query, include_inactive=args.all)
    if not products:
        out.say("cli.product.none")
    for product in products:
        _say_product(out, product, "cli.product.row")
    return 0


def cmd_product_price(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    product = sales.find_product(SYSTEM, args.sku)
    changed = sales.update_product(SYSTEM, product.id, unit_price=args.price)
    _say_product(Terminal(config.locale), changed, "cli.product.saved")
    return 0


def cmd_product_active(args: argparse.Namespace, config: Config) -> int:
    system.open_database(config)
    product = sales.find_product(SYSTEM, args.sku)
    changed = sales.update_product(SYSTEM, product.id, active=args.active)
    _say_product(Terminal(config.locale), changed, "cli.product.saved")
    return 0
