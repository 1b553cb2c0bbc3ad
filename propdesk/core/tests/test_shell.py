"""The console shell: resident landing page, database outage answered with 503."""

from django.db import OperationalError
from django.test import RequestFactory
from django.urls import reverse

from propdesk.core.middleware import DatabaseUnavailableMiddleware


def test_resident_sees_only_own_houses_on_landing_page(world, client):
    client.force_login(world.resident_user)
    html = client.get(reverse("core:home")).content.decode()
    assert "3-2-1201" in html and "1-1-101" not in html and "客户情况一览表" not in html


def test_staff_home_shows_counts_of_own_projects(world, client):
    client.force_login(world.assistant)
    response = client.get(reverse("core:home"))
    assert response.context["house_count"] == 1 and response.context["person_count"] == 1


def test_database_outage_gives_503_in_chinese_not_a_traceback():
    middleware = DatabaseUnavailableMiddleware(lambda request: None)
    response = middleware.process_exception(RequestFactory().get("/"), OperationalError("could not connect to server"))
    assert response.status_code == 503 and "数据库" in response.content.decode() and response["Retry-After"]
    assert middleware.process_exception(RequestFactory().get("/"), ValueError("other")) is None


def test_console_stylesheet_and_htmx_are_served_by_the_app(world, client):
    """Nothing comes from the internet: the page's CSS and htmx are found locally."""
    from django.contrib.staticfiles import finders

    assert finders.find("propdesk/console.css") and finders.find("django_htmx/htmx-2.min.js")
    client.force_login(world.assistant)
    html = client.get(reverse("core:home")).content.decode()
    assert "/static/propdesk/console.css" in html and "htmx" in html and "http://" not in html.split("<body")[0]
