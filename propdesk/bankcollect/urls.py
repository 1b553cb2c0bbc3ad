from django.urls import path

from propdesk.bankcollect import views

app_name = "bankcollect"
urlpatterns = [
    path("bankcollect/", views.batches, name="batches"),
    path("bankcollect/batches/<int:pk>/", views.batch, name="batch"),
    path("bankcollect/batches/<int:pk>/download/", views.download, name="download"),
    path("bankcollect/batches/<int:pk>/upload/", views.upload, name="upload"),
    path("bankcollect/batches/<int:pk>/close/", views.close, name="close"),
    path("bankcollect/batches/<int:pk>/exceptions.xlsx", views.exceptions, name="exceptions"),
    path("bankcollect/mandates/", views.mandates, name="mandates"),
    path("bankcollect/mandates/new/", views.mandate_edit, name="mandate-new"),
    path("bankcollect/mandates/<int:pk>/", views.mandate_edit, name="mandate-edit"),
    path("bankcollect/profiles/", views.profiles, name="profiles"),
    path("bankcollect/profiles/new/", views.profile_edit, name="profile-new"),
    path("bankcollect/profiles/<int:pk>/", views.profile_edit, name="profile-edit"),
]
