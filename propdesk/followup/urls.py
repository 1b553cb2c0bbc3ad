from django.urls import path

from propdesk.followup import views

app_name = "followup"
urlpatterns = [
    path("visits/", views.todo, name="todo"),
    path("visits/<int:pk>/", views.record, name="record"),
    path("visits/<int:pk>/signature/", views.signature, name="signature"),
    path("visits/review/", views.review_list, name="review"),
    path("visits/<int:pk>/review/", views.review, name="review-mark"),
    path("activities/", views.activities, name="activities"),
    path("activities/<int:pk>/participants/", views.activity_participants, name="activity-participants"),
    path("activities/<int:pk>/close/", views.activity_close, name="activity-close"),
]
