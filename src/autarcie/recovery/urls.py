"""URLs of recovery, under /reprise/."""

from django.urls import path

from autarcie.recovery import views

app_name = "recovery"

urlpatterns = [
    path("", views.checklist, name="checklist"),
    path("identites/", views.identities, name="identities"),
    path("identites/<int:temp_id>/proposer/", views.propose, name="propose"),
    path("decisions/<int:link_id>/confirmer/", views.confirm, name="confirm"),
    path("decisions/<int:link_id>/annuler/", views.undo, name="undo"),
    path("rapport.pdf", views.report_pdf, name="report"),
]
