"""`{% sidenav %}`: the menu of the signed-in user (declared once in core/nav.py)."""

from django import template

from propdesk.core.nav import nav_items

register = template.Library()


@register.inclusion_tag("core/_nav.html", takes_context=True)
def sidenav(context) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    return {
        "items": nav_items(user, request.path if request is not None else ""),
        "resident": bool(user is not None and user.is_authenticated and user.is_resident),
    }
