"""URLs of the kits."""

from django.urls import path

from autarcie.kits import views

app_name = "kits"

urlpatterns = [
    path("", views.kits_home, name="home"),
    path(
        "<str:unit_code>/<str:build_id>/<str:file_name>",
        views.download,
        name="download",
    ),
]
