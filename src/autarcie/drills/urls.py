"""URLs of exercises and after-action reports."""

from django.urls import path

from autarcie.drills import views

app_name = "drills"

urlpatterns = [
    path("<int:crisis_id>/", views.run, name="run"),
    path("<int:crisis_id>/retex.pdf", views.retex, name="retex"),
    path("<int:crisis_id>/enseignements/", views.lessons, name="lessons"),
    path("<int:crisis_id>/enseignements/<int:lesson_id>/", views.lessons, name="lesson"),
]
