from django.urls import path

from propdesk.desk import emergency_views as views

app_name = "emergency"
urlpatterns = [
    path("emergency/new/", views.emergency_new, name="new"),
    path("emergency/plans/", views.emergency_plans, name="plans"),
    path("emergency/<int:pk>/check/", views.emergency_check, name="check"),
    path("emergency/<int:pk>/inform/", views.emergency_inform, name="inform"),
    path("emergency/<int:pk>/summary/", views.emergency_summary, name="summary"),
    path("emergency/<int:pk>/report/", views.emergency_report, name="report"),
    path("duty/", views.duty_roster, name="duty"),
    path("duty/<int:pk>/remove/", views.duty_remove, name="duty-remove"),
]
