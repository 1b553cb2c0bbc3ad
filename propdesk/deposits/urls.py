from django.urls import path

from propdesk.deposits import views

app_name = "deposits"
urlpatterns = [
    path("deposits/", views.deposit_list, name="list"),
    path("deposits/new/", views.deposit_new, name="new"),
    path("deposits/<int:pk>/", views.deposit_detail, name="detail"),
    path("deposits/<int:pk>/receipt/", views.receipt, name="receipt"),
    path("deposits/<int:pk>/refund/", views.refund_new, name="refund"),
    path("deposits/refunds/<int:pk>/approve/", views.refund_approve, name="approve"),
    path("deposits/refunds/<int:pk>/reject/", views.refund_reject, name="reject"),
    path("deposits/refunds/<int:pk>/slip/", views.slip, name="slip"),
]
