from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import SESSION_KEY, cached_options


def console(request):
    """Navigation and the project switcher for every console page."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_resident:
        return {}
    from propdesk.estate.models import Project

    visible = scoping.visible_project_ids(user, Cap.HOUSE_VIEW)
    projects = Project.objects.filter(pk__in=visible).order_by("code").values_list("pk", "name")
    return {
        "switcher_projects": cached_options("projects", visible, lambda: projects),
        "current_project_id": request.session.get(SESSION_KEY),
    }
