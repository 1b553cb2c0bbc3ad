"""The permission-matrix helpers themselves: they cover every cell, name each wrong one,
and start every cell from the same data."""

import pytest
from django.urls import reverse

from propdesk.core.testing import DESK, HOUSE_VIEWERS, STAFF_ROLES, cells, check_matrix, check_page_matrix
from propdesk.desk.services import ticket_open
from propdesk.estate.models import House


def test_matrix_has_every_role_in_both_projects_and_nobody_logged_in():
    matrix = cells({"assistant", "admin"})
    assert len(matrix) == 2 * (len(STAFF_ROLES) + 1) + 1
    allowed = [str(cell) for cell in matrix if cell.allowed]
    assert allowed == ["assistant × own project", "admin × own project", "admin × other project"]
    assert str(matrix[-1]) == "nobody logged in" and not matrix[-1].allowed


def test_matrix_names_every_wrong_cell(world):
    def get_house(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        return client.get(f"/api/v1/houses/{house.pk}/")

    with pytest.raises(AssertionError) as failed:
        check_matrix(world, HOUSE_VIEWERS - {"guard", "admin"}, get_house)
    message = str(failed.value)
    assert "guard × own project: expected 404, got 200" in message
    assert "admin × own project: expected 404, got 200" in message
    assert "admin × other project: expected 404, got 200" in message
    assert message.count("expected") == 3


def test_matrix_checks_the_effect_and_rolls_each_cell_back(world):
    def patch_without_effect(client, cell):
        house = cell.pick(world.house_a, world.house_b)
        response = client.patch(f"/api/v1/houses/{house.pk}/", {"notes": "x"}, format="json")
        assert House.objects.filter(notes="x").count() <= 1  # the previous cells' writes are gone
        return response, False

    with pytest.raises(AssertionError) as failed:
        check_matrix(world, DESK, patch_without_effect)
    message = str(failed.value)
    assert "assistant × own project: answered 200 but the effect is missing" in message
    assert message.count("the effect is missing") == 6 and "expected" not in message
    assert not House.objects.filter(notes="x").exists()


def test_page_matrix_checks_status_and_project_and_names_every_wrong_cell(world):
    """A page over the selected projects: 200 with the own project for holders (company-wide
    roles see both), 404 for others and residents, the login page for nobody."""
    titles = {"a": "阳光花园的报修", "b": "翠湖苑的报修"}
    for code, house in (("a", world.house_a), ("b", world.house_b)):
        assistant = world.users[("assistant", code)]
        ticket_open(project=house.project, type="repair", title=titles[code], category="plumbing", house=house, by=assistant)

    def get_unfinished(client, cell):
        response = client.get(reverse("repairs:unfinished"))
        return response, titles[cell.pick("a", "b")] in response.content.decode()

    dispatchers = {"assistant", "supervisor", "manager", "admin"}
    check_page_matrix(world, dispatchers, get_unfinished)
    with pytest.raises(AssertionError) as failed:
        check_page_matrix(world, dispatchers - {"admin"} | {"guard"}, get_unfinished)
    message = str(failed.value)
    assert "guard × own project: expected 200, got 404" in message
    assert "admin × own project: expected 404, got 200" in message
    assert "admin × other project: expected 404, got 200" in message
    assert message.count("expected") == 4  # guard × other project too
