from django.urls import path

from propdesk.outreach import views

app_name = "outreach"
urlpatterns = [
    path("outreach/visits/", views.visits, name="visits"),
    path("outreach/visits/new/", views.visit_new, name="visit-new"),
    path("outreach/visits/print/", views.visit_print, name="visit-print"),
    path("outreach/progress/", views.progress, name="progress"),
    path("outreach/settings/", views.settings_page, name="settings"),
    path("outreach/care/", views.care_tasks, name="care"),
    path("outreach/care/<int:pk>/close/", views.care_close, name="care-close"),
]
