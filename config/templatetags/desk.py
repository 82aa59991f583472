"""Template filters of the admin desk pages."""

from django import template

from config import admin_lists

register = template.Library()


@register.filter
def truncated(value, limit=admin_lists.LIST_TEXT_CHARS):
    """Long text cut short with the whole value on hover: the admin lists' helper, in templates."""
    return admin_lists.truncated(value, int(limit))
