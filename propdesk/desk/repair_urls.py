from django.urls import path

from propdesk.desk import repair_views as views

app_name = "repairs"
urlpatterns = [
    path("repairs/pool/", views.pool, name="pool"),
    path("repairs/unfinished/", views.unfinished, name="unfinished"),
    path("repairs/<int:pk>/", views.order, name="order"),
    path("repairs/<int:pk>/print/", views.print_order, name="print"),
    path("repairs/<int:pk>/signature.png", views.signature, name="signature"),
    path("repairs/<int:pk>/prepare/", views.prepare, name="prepare"),
    path("repairs/<int:pk>/quote/", views.quote, name="quote"),
    path("repairs/<int:pk>/accept/", views.accept, name="accept"),
    path("repairs/<int:pk>/pool/open/", views.open_pool, name="pool-open"),
    path("repairs/<int:pk>/pool/close/", views.close_pool, name="pool-close"),
    path("repairs/<int:pk>/grab/", views.grab, name="grab"),
    path("repairs/<int:pk>/arrive/", views.arrive, name="arrive"),
    path("repairs/<int:pk>/complete/", views.complete, name="complete"),
    path("repairs/<int:pk>/measure/", views.measure, name="measure"),
    path("repairs/<int:pk>/escalate/", views.escalate, name="escalate"),
]
