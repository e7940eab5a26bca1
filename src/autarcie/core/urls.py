"""URLs of the security core."""

from django.urls import path

from autarcie.core import admin_views, journal_views, views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("connexion/", views.login_view, name="login"),
    path("connexion/second-facteur/", views.second_factor_view, name="second_factor"),
    path("deconnexion/", views.logout_view, name="logout"),
    path("verrouiller/", views.lock_view, name="lock"),
    path("compte/second-facteur/", views.totp_enrol, name="totp_enrol"),
    path("admin/utilisateurs/", admin_views.users, name="admin_users"),
    path("admin/utilisateurs/nouveau/", admin_views.user_new, name="admin_user_new"),
    path("admin/utilisateurs/<int:user_id>/", admin_views.user_edit, name="admin_user_edit"),
    path(
        "admin/utilisateurs/<int:user_id>/second-facteur/",
        admin_views.user_reset_totp,
        name="admin_user_reset_totp",
    ),
    path("admin/unites/", admin_views.units, name="admin_units"),
    path("admin/unites/nouvelle/", admin_views.unit_new, name="admin_unit_new"),
    path("admin/unites/<str:code>/", admin_views.unit_edit, name="admin_unit_edit"),
    path("admin/blocages/lever/", admin_views.throttle_lift, name="admin_throttle_lift"),
    path("journal/verification/", journal_views.journal_verify, name="journal_verify"),
]
