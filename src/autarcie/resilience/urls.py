"""URLs of self-resilience."""

from django.urls import path

from autarcie.resilience import views

app_name = "resilience"

urlpatterns = [
    path("", views.health, name="health"),
]
