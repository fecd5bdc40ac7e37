"""Sales: pipelines and deals, lead assignment, products, orders and payments, and figures.

Importing this package plugs deals, orders, payments and assignments into the customer
timeline, merges and privacy erasure (see crm.sales.hooks).
"""

from crm.sales import hooks
from crm.sales.assignment import (
    assign_lead,
    assign_new_lead,
    choose_assignee,
    list_assignment_history,
    owner_choices,
    reassign_lead,
)
from crm.sales.assignment_rules import (
    add_assignment_rule,
    configure_assignment,
    get_assignment_settings,
    move_assignment_rule,
    remove_assignment_rule,
)
from crm.sales.deal_load import (
    get_deal,
    get_deal_history,
    list_customer_deals,
    list_stage_deals,
)
from crm.sales.deals import (
    check_deal_unmoved,
    create_deal,
    delete_deal,
    move_deal_to_stage,
    restore_deal,
    update_deal,
)
from crm.sales.orders import (
    change_order_status,
    create_order,
    find_order,
    get_order,
    list_customer_orders,
    order_moves,
    order_to_cancel,
    update_order_lines,
)
from crm.sales.outbox import claim_notifications, mark_failed, mark_sent
from crm.sales.payments import order_to_pay, record_payment, void_payment
from crm.sales.pipelines import (
    add_stage,
    archive_stage,
    archived_stages,
    create_pipeline,
    ensure_default_pipeline,
    get_pipeline,
    list_pipelines,
    rename_stage,
    reorder_stages,
    restore_stage,
    set_stage_probability,
)
from crm.sales.products import (
    create_product,
    find_product,
    get_product,
    list_products,
    update_product,
)
from crm.sales.reports import (
    get_average_days_to_close,
    get_forecast,
    get_lifetime_value,
    get_lifetime_values,
    get_pipeline_figures,
    get_stage_conversion,
    get_team_forecast,
    get_win_rate,
    get_won_by_month,
)
from crm.sales.views import OrderLineInput

hooks.register()

__all__ = [
    "OrderLineInput",
    "add_assignment_rule",
    "add_stage",
    "archive_stage",
    "archived_stages",
    "assign_lead",
    "assign_new_lead",
    "change_order_status",
    "check_deal_unmoved",
    "choose_assignee",
    "claim_notifications",
    "configure_assignment",
    "create_deal",
    "create_order",
    "create_pipeline",
    "create_product",
    "delete_deal",
    "ensure_default_pipeline",
    "find_order",
    "find_product",
    "get_assignment_settings",
    "get_average_days_to_close",
    "get_deal",
    "get_deal_history",
    "get_forecast",
    "get_lifetime_value",
    "get_lifetime_values",
    "get_order",
    "get_pipeline",
    "get_pipeline_figures",
    "get_product",
    "get_stage_conversion",
    "get_team_forecast",
    "get_win_rate",
    "get_won_by_month",
    "list_assignment_history",
    "list_customer_deals",
    "list_customer_orders",
    "list_pipelines",
    "list_products",
    "list_stage_deals",
    "mark_failed",
    "mark_sent",
    "move_assignment_rule",
    "move_deal_to_stage",
    "order_moves",
    "order_to_cancel",
    "order_to_pay",
    "owner_choices",
    "reassign_lead",
    "record_payment",
    "remove_assignment_rule",
    "rename_stage",
    "reorder_stages",
    "restore_deal",
    "restore_stage",
    "set_stage_probability",
    "update_deal",
    "update_order_lines",
    "update_product",
    "void_payment",
]
