"""URLs of the viewer."""

from django.urls import path

from autarcie.viewer import audit_views, token_views, views, ward_views

app_name = "viewer"

urlpatterns = [
    path("", views.home, name="home"),
    path("unites/<str:unit_code>/", views.census, name="census"),
    path("unites/<str:unit_code>/administrations/", ward_views.unit_mar, name="unit_mar"),
    path("unites/<str:unit_code>/urgences/", ward_views.ed_board, name="ed_board"),
    path("patients/<int:patient_id>/", views.patient, name="patient"),
    path("patients/<int:patient_id>/administrations/", ward_views.patient_mar, name="patient_mar"),
    path(
        "patients/<int:patient_id>/acces-exceptionnel/", views.break_glass_view, name="break_glass"
    ),
    path("recherche/", views.search, name="search"),
    path("audit/revue-des-acces/", audit_views.access_review, name="audit_review"),
    path("audit/bris-de-glace/", audit_views.break_glass_review, name="audit_break_glass"),
    path("audit/patients/<int:patient_id>/", audit_views.who_saw, name="audit_who_saw"),
    path("audit/acces-inhabituels/", audit_views.unusual, name="audit_unusual"),
    path("jetons-api/", token_views.tokens, name="tokens"),
]
