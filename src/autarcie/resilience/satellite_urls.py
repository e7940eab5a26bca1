"""URLs of unit satellites: the API satellites call, and the main instance's admin page."""

from django.urls import path

from autarcie.resilience import satellite_api, satellite_views

app_name = "satellite"

urlpatterns = [
    path("api/enrol/", satellite_api.enrol, name="enrol"),
    path("api/pull/", satellite_api.pull, name="pull"),
    path("api/push/", satellite_api.push, name="push"),
    path("admin/", satellite_views.satellites, name="admin"),
    path("admin/<int:satellite_id>/revoquer/", satellite_views.satellite_revoke, name="revoke"),
]
