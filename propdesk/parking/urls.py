from django.urls import path

from propdesk.parking import views

app_name = "parking"
urlpatterns = [
    path("parking/", views.rentals, name="rentals"),
    path("parking/calculator/", views.calculator, name="calculator"),
    path("parking/tariff/", views.tariff, name="tariff"),
    path("parking/rentals/new/", views.rental_new, name="rental-new"),
    path("parking/rentals/<int:pk>/", views.rental, name="rental"),
    path("parking/rentals/<int:pk>/renew/", views.rental_renew, name="rental-renew"),
    path("parking/rentals/<int:pk>/end/", views.rental_end, name="rental-end"),
    path("parking/rentals/<int:pk>/cards/", views.card_issue, name="card-issue"),
    path("parking/periods/<int:pk>/charge/", views.period_charge, name="period-charge"),
    path("parking/cards/<int:pk>/return/", views.card_close, {"how": "return"}, name="card-return"),
    path("parking/cards/<int:pk>/lost/", views.card_close, {"how": "lost"}, name="card-lost"),
    path("parking/exports/<int:pk>/", views.export_download, name="export-download"),
]
