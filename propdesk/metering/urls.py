from django.urls import path

from propdesk.metering import views

app_name = "metering"
urlpatterns = [
    path("metering/rounds/", views.rounds, name="rounds"),
    path("metering/rounds/<int:pk>/", views.round_detail, name="round"),
    path("metering/rounds/<int:pk>/read/", views.round_read, name="round-read"),
    path("metering/rounds/<int:pk>/close/", views.round_close, name="round-close"),
    path("metering/rounds/<int:pk>/print/", views.round_print, name="round-print"),
    path("metering/rounds/<int:pk>/export/", views.round_export, name="round-export"),
    path("metering/rounds/<int:pk>/import/", views.round_import, name="round-import"),
    path("metering/anomalies/", views.anomalies, name="anomalies"),
    path("metering/readings/<int:pk>/decide/", views.reading_decide, name="reading-decide"),
    path("metering/meters/", views.meters, name="meters"),
    path("metering/meters/<int:pk>/replace/", views.meter_replace, name="meter-replace"),
    path("metering/houses/<int:house_id>/custody-start/", views.custody_start, name="custody-start"),
]
