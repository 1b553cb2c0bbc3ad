from django.urls import path

from propdesk.residents import views

app_name = "residents"
urlpatterns = [
    path("overview/", views.overview, name="overview"),
    path("overview/export.xlsx", views.overview_export, name="overview-export"),
    path("overview/review/", views.overview_review, name="overview-review"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person-edit"),
    path("persons/<int:pk>/photo/", views.person_photo, name="person-photo"),
    path("persons/<int:pk>/reveal/<str:field>/", views.person_reveal, name="person-reveal"),
    path("houses/<int:pk>/occupants/add/", views.occupant_add, name="occupant-add"),
    path("occupancies/<int:pk>/end/", views.occupancy_end, name="occupancy-end"),
    path("houses/<int:pk>/transfer/", views.house_transfer, name="house-transfer"),
    path("houses/<int:pk>/archive/item/<int:type_pk>/", views.archive_item_set, name="archive-item"),
    path("houses/<int:pk>/archive/upload/", views.archive_upload, name="archive-upload"),
    path("houses/<int:pk>/archive/paper/", views.paper_archive_set, name="archive-paper"),
    path("archive/files/<int:pk>/", views.archive_file_download, name="archive-file"),
    path("archive/loans/", views.loans, name="loans"),
    path("archive/loans/export.xlsx", views.loans_export, name="loans-export"),
    path("houses/<int:pk>/archive/loans/new/", views.loan_new, name="loan-new"),
    path("archive/loans/<int:pk>/<str:action>/", views.loan_action, name="loan-action"),
    path("imports/", views.imports, name="imports"),
    path("imports/template/<str:kind>.xlsx", views.import_template, name="import-template"),
    path("imports/<int:pk>/", views.import_job, name="import-job"),
    path("imports/<int:pk>/progress/", views.import_job_progress, name="import-progress"),
    path("imports/<int:pk>/errors.xlsx", views.import_job_errors, name="import-errors"),
]
