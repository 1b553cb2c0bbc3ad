"""API routes of the residents app that are not viewsets (mounted under /api/v1/)."""

from django.urls import path

from propdesk.residents import api

urlpatterns = [
    path("houses/<int:pk>/archive/", api.HouseArchiveView.as_view(), name="house-archive"),
    path("houses/<int:pk>/archive/items/", api.HouseArchiveItemView.as_view(), name="house-archive-items"),
    path("houses/<int:pk>/archive/paper/", api.HousePaperArchiveView.as_view(), name="house-archive-paper"),
    path("houses/<int:pk>/transfer/", api.HouseTransferView.as_view(), name="house-transfer"),
    path("houses/<int:pk>/occupants/", api.HouseOccupantView.as_view(), name="house-occupants"),
    path("search/", api.SearchView.as_view(), name="api-search"),
]
