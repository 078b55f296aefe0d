"""Votes, reports and blocks in the admin: inspect per face and per voter, void, block.

Votes are never edited or deleted here: a spam voter's votes are voided (kept for the
record, excluded from counters, training and exports) by a void job (moderation/voiding.py).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin, messages
from django.urls import reverse
from django.utils.html import format_html

from facegallery.gallery.ids import face_id_parse
from facegallery.moderation.display import admin_changelist_url, face_link, voter_link
from facegallery.moderation.pagination import EstimatedCountPaginator
from facegallery.moderation.services import (
    ModerationError,
    block_remove,
    face_hide,
    ip_hash_block,
    ip_prefix_block,
    report_dismiss,
    voter_block,
)
from facegallery.moderation.voiding import VoidError, VoteSelection, vote_void_job_create
from facegallery.voting.models import Block, Report, Vote


class _ReadOnlyAdmin(admin.ModelAdmin):
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 100

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "show_save": False}
        extra_context |= {"show_save_and_continue": False, "show_save_and_add_another": False}
        return super().change_view(request, object_id, form_url, extra_context)


def _distinct(queryset, field: str) -> list[Any]:  # the column's type: str or int
    return sorted({value for value in queryset.values_list(field, flat=True) if value})


@admin.action(description="Void all votes of the selected votes' voters", permissions=["change"])
def void_voters_votes(modeladmin, request, queryset):
    voters = _distinct(queryset, "voter")
    try:
        job = vote_void_job_create(
            selection=VoteSelection(voters=tuple(voters)),
            requested_by=request.user,
            reason="from the vote list",
        )
    except VoidError as exc:
        modeladmin.message_user(request, str(exc), messages.ERROR)
        return
    url = reverse("admin:moderation_voidjob_change", args=[job.pk])
    modeladmin.message_user(
        request,
        format_html(
            'Voiding the votes of {} voter(s) in the background: <a href="{}">job #{}</a>.',
            len(voters),
            url,
            job.pk,
        ),
    )


@admin.action(description="Block the selected votes' voters", permissions=["block"])
def block_voters(modeladmin, request, queryset):
    _block_each(modeladmin, request, queryset, field="voter", block=voter_block, noun="voter(s)")


@admin.action(description="Block the selected votes' IP hashes", permissions=["block"])
def block_ip_hashes(modeladmin, request, queryset):
    _block_each(
        modeladmin, request, queryset, field="ip_hash", block=ip_hash_block, noun="IP hash(es)"
    )


def _block_each(
    modeladmin, request, queryset, *, field: str, block: Callable[..., Block], noun: str
) -> None:
    """Block each distinct value of the selected votes' ``field`` with the ``block`` service,
    which takes it under the column's name: voter_block(voter=…), ip_hash_block(ip_hash=…)."""
    values = _distinct(queryset, field)
    for value in values:
        block(**{field: value}, actor=request.user, reason="blocked from the vote list")
    modeladmin.message_user(request, f"Blocked {len(values)} {noun}.")


@admin.register(Vote)
class VoteAdmin(_ReadOnlyAdmin):
    """All votes; click a face or a voter to see only theirs (?face=ID, ?voter=…)."""

    list_display = ["id", "face", "voter_display", "label", "counted", "voided", "ip", "created"]
    list_filter = ["label", "counted", "voided", "trusted"]
    search_fields = ["=voter", "=ip_hash", "=ip_prefix_hash"]
    search_help_text = "An exact voter (anon:…, user:…), IP hash, IP prefix hash or face id."
    sortable_by = ["id"]
    ordering = ["-id"]
    actions = [void_voters_votes, block_voters, block_ip_hashes]

    def has_block_permission(self, request) -> bool:
        """Blocking from the vote list writes Block rows: both models' permissions."""
        return request.user.has_perms(["voting.change_vote", "voting.add_block"])

    def get_search_results(self, request, queryset, search_term):
        face_id = face_id_parse(search_term)
        if face_id is not None:
            return queryset.filter(face_id=face_id), False
        return super().get_search_results(request, queryset, search_term.strip())

    @admin.display(description="face", ordering="face_id")
    def face(self, vote):
        return face_link(vote.face_id)

    @admin.display(description="voter")
    def voter_display(self, vote):
        return voter_link(vote.voter)

    @admin.display(description="IP hash")
    def ip(self, vote):
        if not vote.ip_hash:
            return "—"
        return format_html(
            '<a href="{}" title="{}">{}…</a>',
            admin_changelist_url("voting.vote", ip_hash=vote.ip_hash),
            vote.ip_hash,
            vote.ip_hash[:10],
        )


@admin.action(description="Hide the selected reports' faces", permissions=["hide_faces"])
def hide_reported_faces(modeladmin, request, queryset):
    hidden = face_hide(face_ids=_distinct(queryset, "face_id"), actor=request.user)
    modeladmin.message_user(request, f"Hid {hidden} face(s).")


@admin.action(description="Dismiss the selected reports", permissions=["change"])
def dismiss_reports(modeladmin, request, queryset):
    count = report_dismiss(report_ids=queryset.values_list("pk", flat=True), actor=request.user)
    modeladmin.message_user(request, f"Dismissed {count} report(s).")


@admin.register(Report)
class ReportAdmin(_ReadOnlyAdmin):
    """Every report, open first; the moderation queue groups the open ones by face."""

    list_display = ["id", "face", "reason", "voter_display", "resolution", "created", "resolved_at"]
    list_filter = ["resolution", ("created", admin.DateFieldListFilter)]
    search_fields = ["=voter", "=ip_hash"]
    ordering = ["-id"]
    actions = [dismiss_reports, hide_reported_faces]

    def has_hide_faces_permission(self, request) -> bool:
        """Hiding from the report list changes faces: both models' permissions."""
        return request.user.has_perms(["voting.change_report", "gallery.change_face"])

    @admin.display(description="face", ordering="face_id")
    def face(self, report):
        return face_link(report.face_id)

    @admin.display(description="by")
    def voter_display(self, report):
        return voter_link(report.voter)


@admin.register(Block)
class BlockAdmin(admin.ModelAdmin):
    """Blocked voters and IP hashes. Adding and removing go through moderation services."""

    list_display = ["kind", "value", "reason", "created"]
    list_filter = ["kind"]
    search_fields = ["=value"]
    ordering = ["-id"]
    fields = ["kind", "value", "reason"]

    def get_readonly_fields(self, request, obj=None):
        return ["kind", "value", "reason"] if obj is not None else []

    def save_model(self, request, obj: Block, form, change: bool) -> None:
        if change:
            return
        services: dict[str, tuple[Callable[..., Block], str]] = {
            Block.Kind.VOTER: (voter_block, "voter"),
            Block.Kind.IP_HASH: (ip_hash_block, "ip_hash"),
            Block.Kind.IP_PREFIX: (ip_prefix_block, "ip_prefix_hash"),
        }
        block_service, key = services[obj.kind]
        try:
            block = block_service(**{key: obj.value}, actor=request.user, reason=obj.reason)
        except ModerationError as exc:
            self.message_user(request, str(exc), messages.ERROR)
            return
        obj.pk, obj.created = block.pk, block.created

    def delete_model(self, request, obj: Block) -> None:
        block_remove(block_ids=[obj.pk], actor=request.user)

    def delete_queryset(self, request, queryset) -> None:
        block_remove(block_ids=queryset.values_list("pk", flat=True), actor=request.user)
