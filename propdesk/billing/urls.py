from django.urls import path

from propdesk.billing import approval_views, config_views, report_views, views

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
    # Fee configuration (FEE-1), corrections with approval (FEE-3/4/5), disputes (FEE-4)
    path("billing/fees/", config_views.fee_items, name="fee-items"),
    path("billing/fees/<int:pk>/", config_views.fee_item, name="fee-item"),
    path("billing/policy/", config_views.policy, name="policy"),
    path("billing/houses/<int:house_id>/adjust/", approval_views.adjust, name="adjust"),
    path("billing/approvals/", approval_views.approval_list, name="approvals"),
    path("billing/approvals/<int:pk>/", approval_views.approval, name="approval"),
    path("billing/approvals/<int:pk>/decide/", approval_views.approval_decide, name="approval-decide"),
    path("billing/disputes/", approval_views.disputes, name="disputes"),
    path("billing/disputes/<int:pk>/", approval_views.dispute, name="dispute"),
    path("billing/houses/<int:house_id>/disputes/", approval_views.house_disputes, name="house-disputes"),
]

# 收费报表 (FEE-12)
urlpatterns += [path("billing/reports/collection/", report_views.collection_view, name="collection")]
