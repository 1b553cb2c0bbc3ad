from django.urls import path

from propdesk.dunning import views

app_name = "dunning"
urlpatterns = [
    path("dunning/", views.worklist, name="worklist"),
    path("dunning/houses/<int:house_id>/", views.house, name="house"),
    path("dunning/houses/<int:house_id>/steps/", views.step_add, name="step-add"),
    path("dunning/houses/<int:house_id>/promises/", views.promise_add, name="promise-add"),
    path("dunning/houses/<int:house_id>/plans/", views.plan_add, name="plan-add"),
    path("dunning/houses/<int:house_id>/letter/", views.letter, name="letter"),
    path("dunning/houses/<int:house_id>/assign/", views.assign, name="assign"),
    path("dunning/attachments/<int:pk>/", views.attachment, name="attachment"),
]
