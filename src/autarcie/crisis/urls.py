"""URLs of the crisis cell."""

from django.urls import path

from autarcie.crisis import alert_views, plan_views, views

app_name = "crisis"

urlpatterns = [
    path("", views.index, name="index"),
    path("declarer/", views.declare, name="declare"),
    path("<int:crisis_id>/", views.dashboard, name="dashboard"),
    path("<int:crisis_id>/phase/", views.phase, name="phase"),
    path("<int:crisis_id>/main-courante/", views.log_view, name="log"),
    path("<int:crisis_id>/main-courante.csv", views.log_csv, name="log_csv"),
    path("<int:crisis_id>/main-courante.pdf", views.log_pdf_view, name="log_pdf"),
    path("<int:crisis_id>/taches/", views.tasks, name="tasks"),
    path("<int:crisis_id>/taches/<int:task_id>/statut/", views.task_status, name="task_status"),
    path("<int:crisis_id>/points/", views.sitreps, name="sitreps"),
    path("<int:crisis_id>/delais/<int:clock_id>/", views.clock_detail, name="clock"),
    path("<int:crisis_id>/plan/", plan_views.plan, name="plan"),
    path("<int:crisis_id>/plan/import/", plan_views.plan_import, name="plan_import"),
    path("<int:crisis_id>/plan/<int:item_id>/", plan_views.item, name="plan_item"),
    path("<int:crisis_id>/plan/comptes/", plan_views.credentials, name="credentials"),
    path("<int:crisis_id>/plan/effort/", plan_views.effort, name="effort"),
    path("<int:crisis_id>/plan/avancement.svg", plan_views.burndown, name="burndown"),
    path("annuaire/", alert_views.directory, name="directory"),
    path("annuaire.pdf", alert_views.directory_pdf, name="directory_pdf"),
    path("<int:crisis_id>/alertes/", alert_views.alerts, name="alerts"),
    path("<int:crisis_id>/alertes/<int:alert_id>/", alert_views.alert_detail, name="alert"),
    path("<int:crisis_id>/alertes/releve/", alert_views.poll, name="poll"),
    path(
        "<int:crisis_id>/alertes/<int:alert_id>/renvoi/",
        alert_views.retry,
        name="alert_retry",
    ),
    path("modeles/", alert_views.templates, name="templates"),
    path("reponse/<str:token>/", alert_views.ack, name="ack"),
    path("sms/entrant/", alert_views.sms_webhook, name="sms_webhook"),
]
