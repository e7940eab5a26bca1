"""URLs of the mirror's pages for IT/security and the admin."""

from django.urls import path

from autarcie.mirror import views

app_name = "mirror"

urlpatterns = [
    path("", views.feeds, name="feeds"),
    path("geler/", views.freeze, name="freeze"),
    path("degeler/", views.unfreeze, name="unfreeze"),
    path("messages/", views.inbound_list, name="inbound_list"),
    path("messages/retenus/appliquer/", views.apply_held, name="apply_held"),
    path("messages/<int:inbound_id>/", views.inbound_detail, name="inbound_detail"),
    path("messages/<int:inbound_id>/retraiter/", views.reprocess, name="reprocess"),
    path("messages/<int:inbound_id>/ecarter/", views.discard, name="discard"),
]
