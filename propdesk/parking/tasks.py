"""Parking background jobs: thin, idempotent, calling services."""

from celery import shared_task


@shared_task
def weekly_rental_exports() -> dict:
    """FEE-10: every Monday, each project's monthly rental list (月租车辆清单) as Excel,
    stored once per project and week, and the project's cashiers notified with the link.
    Safe to repeat: the export and the notification are each made once per week."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from propdesk.accounts.models import Membership
    from propdesk.accounts.roles import Role
    from propdesk.estate.models import Project
    from propdesk.notifications.services import notify
    from propdesk.parking.models import ParkingRental
    from propdesk.parking.services import rental_export_week

    made = 0
    project_ids = ParkingRental.objects.filter(ended_on__isnull=True).values_list("project_id", flat=True).distinct()
    for project in Project.objects.filter(pk__in=set(project_ids), active=True).order_by("pk"):
        export, created = rental_export_week(project=project)
        made += created
        cashiers = [m.user for m in Membership.objects.filter(project=project, role=Role.CASHIER).select_related("user")]
        notify(
            recipients=cashiers,
            kind="parking.rental_export",
            title=_("%(project)s 月租车辆清单（%(week)s 当周）") % {"project": project.name, "week": f"{export.week:%Y-%m-%d}"},
            body=_("共 %(rows)s 个月租车位，请下载后交车库收费员。") % {"rows": export.rows},
            link=reverse("parking:export-download", args=[export.pk]),
            project=project,
            dedupe_key=f"parking-export:{export.pk}",
        )
    return {"exports_created": made}
