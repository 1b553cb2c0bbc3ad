from django.urls import path

from propdesk.desk import catalogue_views as views

app_name = "services"
urlpatterns = [
    path("services/", views.catalogue_page, name="catalogue"),
    path("services/export.xlsx", views.catalogue_export, name="catalogue-export"),
    path("services/items/<int:pk>/toggle/", views.service_toggle, name="item-toggle"),
    path("services/providers/<int:pk>/toggle/", views.provider_toggle, name="provider-toggle"),
    path("services/stats/", views.stats_page, name="stats"),
    path("services/stats/export.xlsx", views.stats_export, name="stats-export"),
]
