from django.urls import path

from propdesk.estate import views

app_name = "estate"
urlpatterns = [
    path("houses/<int:pk>/", views.house_detail, name="house"),
    path("houses/<int:pk>/status/", views.house_status_change, name="house-status"),
    path("houses/<int:pk>/history/", views.house_history, name="house-history"),
]
