"""Root URL configuration. The viewer's home answers at "/" before the core's own."""

from django.urls import include, path

urlpatterns = [
    path("", include("autarcie.viewer.urls")),
    path("", include("autarcie.core.urls")),
    path("crise/", include("autarcie.crisis.urls")),
    path("soins/", include("autarcie.care.urls")),
    path("exercice/", include("autarcie.drills.urls")),
    path("kits/", include("autarcie.kits.urls")),
    path("fhir/", include("autarcie.viewer.fhir.urls")),
    path("health/", include("autarcie.resilience.urls")),
    path("satellite/", include("autarcie.resilience.satellite_urls")),
    path("reprise/", include("autarcie.recovery.urls")),
    path("miroir/", include("autarcie.mirror.urls")),
]

# French pages in the site's layout instead of Django's English one-liners.
handler400 = "autarcie.core.error_views.bad_request"
handler403 = "autarcie.core.error_views.permission_denied"
handler404 = "autarcie.core.error_views.page_not_found"
handler500 = "autarcie.core.error_views.server_error"
