"""URLs of degraded-mode care, under /soins/."""

from django.urls import path

from autarcie.care import bed_views, stock_views, views

app_name = "care"

urlpatterns = [
    path("", views.home, name="home"),
    path("unites/<str:unit_code>/", views.census, name="census"),
    path("unites/<str:unit_code>/admission/", views.admit, name="admit"),
    path("dossiers/<str:kind>/<int:pk>/", views.subject, name="subject"),
    path(
        "dossiers/<str:kind>/<int:pk>/saisie/<str:entry_kind>/",
        views.record_form,
        name="record",
    ),
    path("saisies/<int:entry_id>/corriger/", views.correct, name="correct"),
    path("journal/", views.journal, name="journal"),
    path("stock/<str:location>/", stock_views.stock, name="stock"),
    path("stock/saisies/<int:entry_id>/corriger/", stock_views.stock_correct, name="stock_correct"),
    path("lits/", bed_views.board, name="beds"),
    path("lits/fiche/", bed_views.sheet, name="beds_sheet"),
    path("lits/disponibilite.csv", bed_views.export_csv, name="beds_csv"),
    path("lits/<str:unit_code>/", bed_views.update, name="beds_update"),
    path("lits/<str:unit_code>/historique/", bed_views.unit_history, name="beds_history"),
]
