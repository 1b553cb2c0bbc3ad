"""API routes of the residents app that are not viewsets (mounted under /api/v1/)."""

from django.urls import path

from propdesk.residents import api

urlpatterns = [
    path("houses/<int:pk>/archive/", api.HouseArchiveView.as_view(), name="house-archive"),
    path("search/", api.SearchView.as_view(), name="api-search"),
]
