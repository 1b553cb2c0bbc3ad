from django.urls import path

from propdesk.estate import views

app_name = "estate"
urlpatterns = [
    path("houses/new/", views.house_new, name="house-new"),
    path("status-sheet/", views.status_sheet, name="status-sheet"),
    path("houses/<int:pk>/", views.house_detail, name="house"),
    path("houses/<int:pk>/print/", views.house_print, name="house-print"),
    path("houses/<int:pk>/status/", views.house_status_change, name="house-status"),
    path("houses/<int:pk>/history/", views.house_history, name="house-history"),
]
