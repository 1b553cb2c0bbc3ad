from django.urls import path

from propdesk.core import views

app_name = "core"
urlpatterns = [
    path("", views.home, name="home"),
    path("search/", views.search, name="search"),
    path("project/switch/", views.project_switch, name="project-switch"),
]
