from django.urls import path

from propdesk.billing import report_views, views

app_name = "billing"
urlpatterns = [
    path("billing/desk/", views.desk, name="desk"),
    path("billing/desk/<int:house_id>/pay/", views.pay, name="pay"),
    path("billing/receipts/<int:pk>/", views.receipt, name="receipt"),
    path("billing/notices/", views.notices, name="notices"),
    path("billing/runs/", views.runs, name="runs"),
    path("billing/runs/<int:pk>/", views.run, name="run"),
    path("billing/arrears/", views.arrears, name="arrears"),
    path("billing/close/", views.close, name="close"),
    path("billing/close/<int:pk>/", views.close_print, name="close-print"),
]

# 收费报表 (FEE-12)
urlpatterns += [path("billing/reports/collection/", report_views.collection_view, name="collection")]
