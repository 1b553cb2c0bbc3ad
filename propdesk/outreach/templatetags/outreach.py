"""Outreach template tags: a household's risk flags as badges, for panels owned by other
apps (the caller panel) that should not compute them themselves."""

from django import template

from propdesk.outreach.risks import household_risks

register = template.Library()


@register.inclusion_tag("outreach/_risk_badges.html")
def household_risk_badges(house):
    """The house's risk flags (repeated complaints, repeated repairs, low satisfaction)."""
    return {"flags": household_risks(house) if house is not None else []}
