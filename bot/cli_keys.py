"""`crm keys ...`: encryption key commands."""
