"""Guided labs (names in the `sandbox` namespace, under /sandbox/)."""

from django.urls import path

from sandbox.views import labs as views

urlpatterns = [
    path("labs/", views.lab_list, name="labs"),
    path("labs/practice/", views.lab_practice, name="lab_practice"),
    path("labs/review/<int:card>/check/", views.lab_review_check, name="lab_review_check"),
    path("labs/<slug:slug>/", views.lab_detail, name="lab"),
    path("labs/<slug:slug>/start/", views.lab_start, name="lab_start"),
    path("labs/<slug:slug>/check/", views.lab_check, name="lab_check"),
    path("labs/<slug:slug>/try/", views.lab_try, name="lab_try"),
    path("labs/<slug:slug>/panel/", views.lab_panel, name="lab_panel"),
    path("labs/<slug:slug>/practice/<int:session>/", views.lab_practice_check, name="lab_practice_check"),
    path("labs-panel/close/", views.lab_undock, name="lab_undock"),
    path("progress/", views.progress, name="progress"),
]
