from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from propdesk.accounts.roles import Cap
from propdesk.core import scoping
from propdesk.core.console import SESSION_KEY, render_page, selected_project_ids
from propdesk.estate.models import House
from propdesk.residents.models import Person
from propdesk.residents.selectors import global_search


@login_required
def home(request):
    if request.user.is_resident:
        houses = House.objects.filter(pk__in=scoping.resident_house_ids(request.user)).select_related("project")
        return render_page(request, "core/resident_home.html", {"houses": houses})
    project_ids = selected_project_ids(request, Cap.HOUSE_VIEW)
    context = {
        "house_count": House.objects.filter(project_id__in=project_ids).count(),
        "person_count": Person.objects.filter(project_id__in=selected_project_ids(request, Cap.PERSON_VIEW)).count(),
    }
    return render_page(request, "core/home.html", context)


@login_required
def search(request):
    """The one search box (查询): house code, name, pinyin initials, phone, ID tail."""
    query = request.GET.get("q", "")
    results = global_search(project_ids=selected_project_ids(request, Cap.PERSON_VIEW), query=query)
    if not results.persons:
        house_only = global_search(project_ids=selected_project_ids(request, Cap.HOUSE_VIEW), query=query)
        results.houses = results.houses or house_only.houses
    return render_page(request, "core/search.html", {"query": query, "results": results}, fragment="core/_search_results.html")


@login_required
@require_POST
def project_switch(request):
    """The project switcher: pick one project, or all of them (empty)."""
    chosen = request.POST.get("project", "")
    visible = scoping.visible_project_ids(request.user, Cap.HOUSE_VIEW)
    if chosen.isdigit() and int(chosen) in visible:
        request.session[SESSION_KEY] = int(chosen)
    else:
        request.session.pop(SESSION_KEY, None)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)
