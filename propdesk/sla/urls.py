from django.urls import path

from propdesk.sla import views

app_name = "sla"
urlpatterns = [
    path("sla/board/", views.sla_board, name="board"),
    path("sla/policies/", views.sla_policies, name="policies"),
]
