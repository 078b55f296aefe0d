"""Voting pages: vote from a tile or the face page, vote mode, and reports.

Every form works as a plain POST (redirect after, for browsers without JavaScript) and
through htmx (a partial in answer). Refusals are a friendly page, or for htmx a short
text body that static/js/app.js shows as a toast. A vote or report needs a voter that a
page view handed out (voting/identity.py): without one it is refused, "open the page first".
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from facegallery.gallery.ids import face_id_parse
from facegallery.gallery.pictures import face_svg
from facegallery.gallery.selectors import face_get_visible
from facegallery.pages import vote_mode
from facegallery.pages.forms import UNDO, ReportForm, VoteForm, VoteModeForm
from facegallery.voting.gate import voter_identity_checked
from facegallery.voting.identity import (
    voter_identity,
    voter_identity_keep,
    voter_ticket_issue,
)
from facegallery.voting.ratelimit import RateLimited
from facegallery.voting.services import (
    VoterUnknown,
    VotingError,
    report_create,
    vote_cast,
    vote_undo,
)
from facegallery.voting.voters import TooManyNewVoters

ERROR_TEMPLATES = {403: "403.html", 404: "404.html", 429: "429.html"}


def refuse(request, error: VotingError | RateLimited) -> HttpResponse:
    """The answer to a vote or report that was not recorded."""
    if request.htmx:
        response = HttpResponse(str(error), status=error.status, content_type="text/plain")
    else:
        template = ERROR_TEMPLATES.get(error.status, "400.html")
        context = {
            "message": str(error),
            "retry_after": getattr(error, "retry_after", None),
            "new_voters": isinstance(error, TooManyNewVoters),
        }
        response = render(request, template, context, status=error.status)
    if isinstance(error, RateLimited):
        response["Retry-After"] = str(error.retry_after)
    return response


def see_other(url: str) -> HttpResponseRedirect:
    response = HttpResponseRedirect(url)
    response.status_code = 303  # after a POST, the browser GETs the page
    return response


def _next_url(request, default: str) -> str:
    """The form's own-site `next` (POST, or GET for a form's page), else `default`."""
    wanted = request.POST.get("next", "") or request.GET.get("next", "")
    safe = url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return wanted if wanted and safe else default


@require_POST
def face_vote(request, face_id: int):
    """Cast, change (label) or take back (label=none) the visitor's vote on a face."""
    form = VoteForm(request.POST)
    if not form.is_valid():
        return refuse(request, VotingError("label must be interesting, boring or none"))
    label = form.cleaned_data["label"]
    try:
        identity = voter_identity_checked(request, action="vote")
        if label == UNDO:
            result = vote_undo(face_id=face_id, voter=identity.voter)
        else:
            result = vote_cast(
                face_id=face_id,
                voter=identity.voter,
                label=label,
                ip_hash=identity.ip_hash,
                ip_prefix_hash=identity.ip_prefix_hash,
                voter_since=identity.since,
            )
    except (VotingError, RateLimited) as error:
        return refuse(request, error)
    voter_identity_keep(request, identity)
    if request.htmx:
        context = {
            "face_id": result.face_id,
            "vote_url": request.path,
            "interesting": result.interesting_count,
            "boring": result.boring_count,
            "my_vote": result.label,
            "pending": result.label is not None and result.pending,
            "next_url": request.POST.get("next", "").split("#")[0],
            "compact": request.POST.get("compact") == "1",
            "announce": True,
        }
        return render(request, "gallery/_vote_form.html", context)
    return see_other(_next_url(request, reverse("gallery:face", args=[face_id])))


@require_GET
def vote_mode_page(request):
    """One face at a time, big, with keyboard and swipe shortcuts."""
    identity = voter_identity(request)
    prefer = face_id_parse(request.GET.get("face", ""))
    voter = identity.voter if identity else ""
    context = vote_mode.card_context(request, voter=voter, prefer_id=prefer)
    template = "voting/_card.html" if request.htmx else "voting/vote_mode.html"
    response = render(request, template, context)
    voter_ticket_issue(request, response)
    return response


@require_POST
def vote_mode_act(request):
    """interesting / boring / skip / undo, then the next card."""
    form = VoteModeForm(request.POST)
    if not form.is_valid():
        return refuse(request, VotingError("action must be interesting, boring, skip or undo"))
    action, face_id = form.cleaned_data["action"], form.cleaned_data["face"]
    try:
        if action == "skip":
            identity = voter_identity(request)
            if identity is None:
                raise VoterUnknown()
        else:
            identity = voter_identity_checked(request, action="vote")
        prefer, notice = vote_mode.act(request, action=action, face_id=face_id, identity=identity)
    except (VotingError, RateLimited) as error:
        return refuse(request, error)
    voter_identity_keep(request, identity)
    voter = identity.voter
    if not request.htmx:
        if notice:
            messages.info(request, notice)
        url = reverse("voting:vote_mode")
        return see_other(f"{url}?face={prefer}" if prefer else url)
    context = vote_mode.card_context(request, voter=voter, prefer_id=prefer)
    return render(request, "voting/_card.html", {**context, "notice": notice})


@require_http_methods(["GET", "POST"])
def face_report(request, face_id: int):
    """Report a face to the moderators (reason + optional words)."""
    face = face_get_visible(face_id=face_id)
    if face is None:
        raise Http404("no such face")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            identity = voter_identity_checked(request, action="report")
            report_create(
                face_id=face.pk,
                voter=identity.voter,
                reason=form.report_reason(),
                ip_hash=identity.ip_hash,
                ip_prefix_hash=identity.ip_prefix_hash,
            )
        except (VotingError, RateLimited) as error:
            return refuse(request, error)
        voter_identity_keep(request, identity)
        if request.htmx:
            return render(request, "voting/_report_done.html", {"face": face})
        messages.success(request, "Thanks: a moderator will look at this face.")
        return see_other(_next_url(request, reverse("gallery:face", args=[face.pk])))
    template = "voting/_report_form.html" if request.htmx else "voting/report.html"
    status = 400 if request.method == "POST" else 200
    context = {
        "face": face,
        "form": form,
        "svg": face_svg(face),
        "next_url": _next_url(request, ""),  # vote mode's report comes back to vote mode
    }
    response = render(request, template, context, status=status)
    voter_ticket_issue(request, response)
    return response
