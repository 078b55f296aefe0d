"""Public pages: the gallery and face pages (namespace "gallery") and the vote forms and vote
mode (namespace "voting"). Two namespaces, so the names every template uses stay as they were."""

from __future__ import annotations

from django.urls import path

from facegallery.pages import for_you, gallery, learning, live, priming, votes

gallery_urls = (
    [
        path("", gallery.gallery, name="gallery"),
        path("faces/<int:face_id>", gallery.face_detail, name="face"),
        path("faces/<int:face_id>.svg", gallery.face_svg_download, name="face_svg"),
        path("faces/new", live.new_faces, name="new_faces"),
        path("live", live.live_page, name="live"),
        path("live/faces", live.live_faces, name="live_faces"),
        path("learning", learning.learning_page, name="learning"),
        path("for-you", for_you.for_you_page, name="for_you"),
        path("faces/<int:face_id>.png", gallery.face_png, name="face_png"),
        path("faces/<int:face_id>/more", priming.face_more_like_this, name="face_more"),
        path("primed/<int:batch_id>", priming.primed_page, name="primed"),
        path("primed/<int:batch_id>/faces", priming.primed_faces, name="primed_faces"),
        path("finish/", priming.finish_page, name="finish"),
    ],
    "gallery",
)

voting_urls = (
    [
        path("faces/<int:face_id>/vote", votes.face_vote, name="face_vote"),
        path("faces/<int:face_id>/report", votes.face_report, name="face_report"),
        path("vote/", votes.vote_mode_page, name="vote_mode"),
        path("vote/act", votes.vote_mode_act, name="vote_mode_act"),
    ],
    "voting",
)
