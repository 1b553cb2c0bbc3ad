from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from propdesk.bankcollect import api as bankcollect_api
from propdesk.billing import api as billing_api
from propdesk.deposits import api as deposits_api
from propdesk.desk import api as desk_api
from propdesk.dunning import api as dunning_api
from propdesk.estate import api as estate_api
from propdesk.followup import api as followup_api
from propdesk.metering import api as metering_api
from propdesk.notifications import api as notifications_api
from propdesk.outreach import api as outreach_api
from propdesk.parking import api as parking_api
from propdesk.residents import api as residents_api
from propdesk.sla import api as sla_api
from propdesk.surveys import api as surveys_api

router = DefaultRouter()
estate_api.register(router)
residents_api.register(router)
notifications_api.register(router)
desk_api.register(router)
sla_api.register(router)
billing_api.register(router)
surveys_api.register(router)
bankcollect_api.register(router)
metering_api.register(router)
outreach_api.register(router)
dunning_api.register(router)
followup_api.register(router)
deposits_api.register(router)
parking_api.register(router)

urlpatterns = [
    path("", include("propdesk.core.urls")),
    path("", include("propdesk.accounts.urls")),
    path("", include("propdesk.estate.urls")),
    path("", include("propdesk.residents.urls")),
    path("", include("propdesk.notifications.urls")),
    path("", include("propdesk.desk.repair_urls")),
    path("", include("propdesk.desk.emergency_urls")),
    path("", include("propdesk.desk.catalogue_urls")),
    path("desk/", include("propdesk.desk.urls")),
    path("", include("propdesk.sla.urls")),
    path("", include("propdesk.reports.urls")),
    path("", include("propdesk.followup.urls")),
    path("", include("propdesk.billing.urls")),
    path("", include("propdesk.surveys.urls")),
    path("", include("propdesk.outreach.urls")),
    path("", include("propdesk.metering.urls")),
    path("", include("propdesk.deposits.urls")),
    path("", include("propdesk.parking.urls")),
    path("", include("propdesk.dunning.urls")),
    path("", include("propdesk.bankcollect.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include(router.urls)),
    path("api/v1/", include("propdesk.residents.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]
# Uploaded files (scans, photos) hold personal data: they are served only through scoped
# views, never as public media.
