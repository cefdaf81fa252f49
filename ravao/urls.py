from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from ravao import views
from ravao.api.api import api

urlpatterns = [
    path("", views.home, name="home"),
    path("", include("ravao.checkins.urls")),
    path("", include("ravao.people.urls")),
    path("manage/api-tokens/", include("ravao.security.urls")),
    path("manage/", include("ravao.places.urls")),
    path("tracing/", include("ravao.tracing.urls")),
    path("oversight/", include("ravao.oversight.urls")),
    path("privacy/", include("ravao.privacy.urls")),
    path("accounts/", include("ravao.accounts.urls")),
    path("api/v1/", api.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("manifest.webmanifest", views.manifest, name="manifest"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("offline/", views.offline, name="offline"),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.RAVAO_BENCH_ENDPOINTS:
    # bench/ingest only: off by default, refused off loopback (ravao.E011), see ravao/benchurls.py.
    urlpatterns.append(path("_bench/", include("ravao.benchurls")))

handler400 = "ravao.views.bad_request"
handler403 = "ravao.views.permission_denied"
handler404 = "ravao.views.page_not_found"
handler500 = "ravao.views.server_error"
