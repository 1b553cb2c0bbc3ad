from django.urls import path

from propdesk.surveys import views

app_name = "surveys"
urlpatterns = [
    path("surveys/", views.rounds, name="rounds"),
    path("surveys/<int:pk>/", views.round_detail, name="round"),
    path("surveys/<int:pk>/do/<str:action>/", views.round_action, name="round-action"),
    path("surveys/<int:pk>/distribute/", views.distribute, name="distribute"),
    path("surveys/<int:pk>/entry/", views.entry, name="entry"),
    path("surveys/<int:pk>/results/", views.results, name="results"),
    path("surveys/<int:pk>/rectify/", views.rectification_new, name="rectify"),
    path("surveys/rectifications/", views.rectifications, name="rectifications"),
    path("surveys/rectifications/<int:pk>/approve/", views.rectification_approve, name="rectification-approve"),
    path("surveys/questionnaires/", views.questionnaires, name="questionnaires"),
    path("surveys/questionnaires/<int:pk>/", views.questionnaire, name="questionnaire"),
    path("my/surveys/", views.mine, name="mine"),
    path("my/surveys/<int:pk>/<int:house_pk>/", views.answer, name="answer"),
    path("my/surveys/<int:pk>/results/", views.published, name="published"),
]
