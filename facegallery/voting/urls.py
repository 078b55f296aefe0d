"""Voting pages and form endpoints."""

from __future__ import annotations

from django.urls import path

from facegallery.voting import views

app_name = "voting"
urlpatterns = [
    path("faces/<int:face_id>/vote", views.face_vote, name="face_vote"),
    path("faces/<int:face_id>/report", views.face_report, name="face_report"),
    path("vote/", views.vote_mode_page, name="vote_mode"),
    path("vote/act", views.vote_mode_act, name="vote_mode_act"),
]
