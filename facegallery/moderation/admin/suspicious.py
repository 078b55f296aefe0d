"""The suspicious-activity page: new voters per IP prefix, bursts on one face, voters in
lockstep (moderation/suspicious.py), each row with one-click Void (a void job of what the
row shows, from the window's start) and Block (the prefix, or the voters)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.http import urlencode
from django.views.decorators.http import require_POST

from facegallery.gallery.ids import face_id_parse
from facegallery.moderation import suspicious
from facegallery.moderation.models import SuspiciousActivity
from facegallery.moderation.services import ModerationError, ip_prefix_block, voter_block
from facegallery.moderation.voiding import VoidError, VoteSelection, vote_void_job_create

VOID_PERMISSIONS = ["voting.change_vote", "moderation.add_voidjob"]
BLOCK_PERMISSIONS = ["voting.add_block"]


@admin.register(SuspiciousActivity)
class SuspiciousActivityAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        act = self.admin_site.admin_view(require_POST(self.act_view))
        return [
            path("act/", act, name="moderation_suspiciousactivity_act"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        raise PermissionDenied  # rows are not objects: the page is the list

    def history_view(self, request, object_id, extra_context=None):
        raise PermissionDenied  # a vote's history is on the vote list's page

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        window = request.GET.get("window", "hour")
        window = window if window in suspicious.WINDOWS else "hour"
        since = timezone.now() - suspicious.WINDOWS[window]
        context = {
            **self.admin_site.each_context(request),
            "title": "Suspicious activity",
            "opts": self.model._meta,
            "window": window,
            "windows": list(suspicious.WINDOWS),
            "since": since,
            "new_voters": suspicious.new_voters_by_prefix(since=since),
            "bursts": suspicious.bursts_on_faces(since=since),
            "lockstep": suspicious.voters_in_lockstep(since=since),
            "thresholds": {
                "new_voters": suspicious.NEW_VOTERS_MIN,
                "burst": suspicious.BURST_MIN_VOTES,
                "lockstep_faces": suspicious.LOCKSTEP_FACES,
                "lockstep_seconds": suspicious.LOCKSTEP_SECONDS,
            },
            "may_void": request.user.has_perms(VOID_PERMISSIONS),
            "may_block": request.user.has_perms(BLOCK_PERMISSIONS),
            "act_url": reverse("admin:moderation_suspiciousactivity_act"),
        }
        return TemplateResponse(request, "moderation/suspicious.html", context)

    def act_view(self, request):
        """One button: void (a job) or block what one row shows; back to the page."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        do = request.POST.get("do")
        if do not in ("void", "block"):
            raise PermissionDenied
        if not request.user.has_perms(VOID_PERMISSIONS if do == "void" else BLOCK_PERMISSIONS):
            raise PermissionDenied
        voters = tuple(v for v in request.POST.getlist("voter") if v)[:100]
        prefix = request.POST.get("prefix", "").strip()
        face_id = face_id_parse(request.POST.get("face", ""))
        since = _since(request.POST.get("since", ""))
        try:
            if do == "void":
                job = vote_void_job_create(
                    selection=VoteSelection(
                        voters=voters, ip_prefix_hash=prefix, face_id=face_id, since=since
                    ),
                    requested_by=request.user,
                    reason="from the suspicious-activity page",
                )
                url = reverse("admin:moderation_voidjob_change", args=[job.pk])
                self.message_user(
                    request, format_html('Void job <a href="{}">#{}</a> queued.', url, job.pk)
                )
            else:
                blocked = self._block(request, voters=voters, prefix=prefix)
                self.message_user(request, f"Blocked {blocked}.")
        except (VoidError, ModerationError) as exc:
            self.message_user(request, str(exc), messages.ERROR)
        window = request.POST.get("window", "hour")
        back = reverse("admin:moderation_suspiciousactivity_changelist")
        return HttpResponseRedirect(f"{back}?{urlencode({'window': window})}")

    def _block(self, request, *, voters: tuple[str, ...], prefix: str) -> str:
        reason = "from the suspicious-activity page"
        if prefix:
            ip_prefix_block(ip_prefix_hash=prefix, actor=request.user, reason=reason)
            return "the IP prefix"
        if not voters:
            raise ModerationError("name the voters or the prefix to block")
        for voter in voters:
            voter_block(voter=voter, actor=request.user, reason=reason)
        return f"{len(voters)} voter(s)"


def _since(value: str) -> datetime | None:
    try:
        since = datetime.fromisoformat(value)
    except ValueError:
        return None
    return since if timezone.is_aware(since) else None
