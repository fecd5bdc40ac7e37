"""Customers: the complete record, validation, duplicates, search and timeline."""

from crm.customers.company import update_company
from crm.customers.dismissals import ComparedGroup, compare_group, tell_apart
from crm.customers.duplicates import (
    DuplicateGroup,
    compare_duplicates,
    contact_matches,
    merge_customers,
    merge_duplicates,
    scan_duplicates,
    similar_names,
)
from crm.customers.inputs import (
    AddressInput,
    ChannelInput,
    CustomerDraft,
    draft_field,
    split_channels,
)
from crm.customers.interactions import get_timeline, log_interaction
from crm.customers.load import get_customer, list_deleted
from crm.customers.search import search_customers
from crm.customers.secrets import find_by_secret, reveal_secret, set_secret
from crm.customers.write import (
    add_address,
    add_channel,
    add_tags,
    create_customer,
    delete_customer,
    remove_address,
    remove_channel,
    remove_tag,
    restore_customer,
    update_customer,
)

__all__ = [
    "AddressInput", "ChannelInput", "ComparedGroup", "CustomerDraft", "DuplicateGroup",
    "add_address", "add_channel", "add_tags", "compare_duplicates", "compare_group",
    "contact_matches", "create_customer", "delete_customer", "draft_field", "find_by_secret",
    "get_customer", "get_timeline", "list_deleted", "log_interaction", "merge_customers",
    "merge_duplicates", "remove_address", "remove_channel", "remove_tag", "restore_customer",
    "reveal_secret", "scan_duplicates", "search_customers", "set_secret", "similar_names",
    "split_channels", "tell_apart", "update_company", "update_customer",
]
