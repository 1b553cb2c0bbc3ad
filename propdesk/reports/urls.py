from django.urls import path

from propdesk.reports import views

app_name = "reports"
urlpatterns = [
    path("reports/", views.kpi_page, name="kpi"),
    path("reports/export.xlsx", views.kpi_export, name="export"),
    path("reports/drill/", views.drill_page, name="drill"),
]
