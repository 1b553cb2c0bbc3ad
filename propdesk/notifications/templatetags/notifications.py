"""`{% notification_bell %}`: the top bar's bell with the unread count (polled by htmx)."""

from django import template

from propdesk.notifications import selectors

register = template.Library()


@register.inclusion_tag("notifications/_bell.html", takes_context=True)
def notification_bell(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"hidden": True}
    return {"unread": selectors.unread_count(user)}
