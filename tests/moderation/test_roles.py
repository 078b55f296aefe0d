"""The Moderators group: exactly what moderation needs; users and settings stay out of reach."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group
from django.urls import reverse

from facegallery.moderation.roles import MODERATORS_GROUP

MODERATION_PAGES = [
    "admin:gallery_face_changelist",
    "admin:moderation_reportedface_changelist",
    "admin:moderation_moderationevent_changelist",
    "admin:voting_vote_changelist",
    "admin:voting_report_changelist",
    "admin:voting_block_changelist",
    "admin:voting_block_add",
    "admin:moderation_voidjob_changelist",
    "admin:moderation_voidjob_add",
    "admin:moderation_suspiciousactivity_changelist",
]
OFF_LIMITS = [
    "admin:auth_user_changelist",
    "admin:auth_user_add",
    "admin:auth_group_changelist",
    "admin:gallery_generationsettings_changelist",
    "admin:gallery_generatormodel_changelist",
    "admin:gallery_generationbatch_changelist",
]


def registered_pages(app_label: str) -> list[str]:
    """Every admin list page of an app (the scoring app's grow while this is written)."""
    return [
        f"admin:{app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
        if model._meta.app_label == app_label
    ]


def test_the_migration_gives_moderators_exactly_the_moderation_permissions(db):
    group = Group.objects.get(name=MODERATORS_GROUP)
    granted = set(group.permissions.values_list("content_type__app_label", "codename"))
    assert granted == {
        ("gallery", "view_face"), ("gallery", "change_face"), ("gallery", "delete_face"),
        ("voting", "view_vote"), ("voting", "change_vote"),
        ("voting", "view_report"), ("voting", "change_report"),
        ("voting", "view_block"), ("voting", "add_block"), ("voting", "delete_block"),
        ("moderation", "view_moderationevent"),
        ("moderation", "view_reportedface"), ("moderation", "change_reportedface"),
        ("moderation", "view_voidjob"), ("moderation", "add_voidjob"),
        ("moderation", "view_suspiciousactivity"),
    }  # fmt: skip


@pytest.mark.parametrize("page", MODERATION_PAGES)
def test_a_moderator_reaches_the_moderation_pages(moderator_client, page):
    assert moderator_client.get(reverse(page)).status_code == 200


@pytest.mark.parametrize("page", OFF_LIMITS + registered_pages("scoring"))
def test_a_moderator_cannot_reach_users_or_settings(moderator_client, page):
    assert moderator_client.get(reverse(page)).status_code == 403


def test_there_are_scorer_settings_to_keep_moderators_away_from():
    # Guards the parametrisation above against silently testing nothing.
    assert registered_pages("scoring")


def test_the_admin_index_lists_only_what_a_moderator_may_use(moderator_client):
    apps = {app["app_label"] for app in moderator_client.get("/admin/").context["app_list"]}
    assert apps == {"gallery", "voting", "moderation"}


@pytest.mark.parametrize("page", MODERATION_PAGES + OFF_LIMITS + registered_pages("scoring"))
def test_a_superuser_gets_everything(superuser_client, page):
    assert superuser_client.get(reverse(page)).status_code == 200


def test_a_moderator_cannot_edit_the_audit_log_or_delete_votes(moderator_client, moderator):
    from facegallery.moderation.models import ModerationEvent
    from facegallery.moderation.services import voter_block

    voter_block(voter="anon:x", actor=moderator)
    event = ModerationEvent.objects.get()
    url = reverse("admin:moderation_moderationevent_delete", args=[event.pk])
    assert moderator_client.post(url, {"post": "yes"}).status_code == 403
    assert ModerationEvent.objects.filter(pk=event.pk).exists()
    assert moderator_client.get(reverse("admin:voting_vote_add")).status_code == 403


def test_staff_outside_the_group_see_no_moderation_page(client, django_user_model):
    staff = django_user_model.objects.create_user("stan", password="x" * 12, is_staff=True)
    client.force_login(staff)
    assert client.get(reverse("admin:gallery_face_changelist")).status_code == 403
