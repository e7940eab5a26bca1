"""URLs of the FHIR API (no trailing slashes, as FHIR clients expect)."""

from django.urls import path, re_path

from autarcie.viewer.fhir import views

app_name = "fhir"

urlpatterns = [
    path("metadata", views.metadata, name="metadata"),
    re_path(r"^(?P<rtype>[A-Za-z]+)/?$", views.search, name="search"),
    re_path(r"^(?P<rtype>[A-Za-z]+)/(?P<rid>[^/]+)$", views.read, name="read"),
    re_path(r"^(?P<rest>.*)$", views.not_found, name="not_found"),
]
