"""Who reaches what beyond the change lists: every admin page of a real object, every admin
action, the custom admin URLs and the staff-only downloads, for every kind of user.

The moderator's column (MODERATOR_MAY) is written out by hand from what moderation needs, so
a permission granted to the Moderators group by mistake fails here. NOBODY_MAY lists what a
ModelAdmin refuses even to superusers. Everything else: anonymous users and visitors are sent
to the admin login, staff without permissions get 403, superusers get in. A refused action is
posted as the allowed one would be, with the object in a state the action would change, and
must leave the whole database as it was.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission, User
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse

from facegallery.exports.models import ExportJob
from facegallery.gallery.models import (
    Face,
    FaceStatus,
    GenerationSettings,
    GeneratorModel,
    VersionStatus,
)
from facegallery.moderation.actions import FACE_OPERATIONS
from facegallery.moderation.models import (
    Action,
    ModerationEvent,
    ReportedFace,
    SuspiciousActivity,
    VoidJob,
)
from facegallery.scoring.models import ScorerVersion
from facegallery.voting.models import Block, Vote
from facegallery.voting.services import report_create, vote_cast
from tests.factories import FaceFactory, GenerationBatchFactory, GeneratorVersionFactory
from tests.security.moderator_rights import MODERATOR_MAY_VIEW

pytestmark = [pytest.mark.django_db]

Key = tuple[str, str]  # (app_label, model_name)
PAGES = ("add", "change", "delete", "history")

# What a moderator may open or run, by (app_label, model_name); the rest must be refused.
MODERATOR_MAY: dict[Key, set[str]] = {
    ("gallery", "face"): {
        "change", "delete", "history",
        "hide_faces", "unhide_faces", "feature_faces", "unfeature_faces", "delete_selected",
    },
    ("voting", "vote"): {
        "change", "history", "void_voters_votes", "block_voters", "block_ip_hashes",
    },
    ("voting", "report"): {"change", "history", "dismiss_reports", "hide_reported_faces"},
    ("voting", "block"): {"add", "change", "delete", "history", "delete_selected"},
    ("moderation", "reportedface"): {"history", "hide_faces", "dismiss_face_reports"},
    ("moderation", "moderationevent"): {"change", "history"},
    ("moderation", "voidjob"): {"add", "change", "history"},
}  # fmt: skip

# What a ModelAdmin refuses even to superusers: rows written by services only, one settings row.
NOBODY_MAY: dict[Key, set[str]] = {
    ("gallery", "generationsettings"): {"add", "delete", "delete_selected"},
    ("gallery", "face"): {"add"},
    ("voting", "vote"): {"add", "delete", "delete_selected"},
    ("voting", "report"): {"add", "delete", "delete_selected"},
    ("scoring", "scorerversion"): {"add"},
    # Versions come from training, and the faces they drew name them.
    ("gallery", "generatorversion"): {"add", "delete", "delete_selected"},
    ("moderation", "reportedface"): {"add", "delete", "delete_selected"},
    ("moderation", "moderationevent"): {"add", "delete", "delete_selected"},
    ("moderation", "voidjob"): {"delete", "delete_selected"},
    # The suspicious-activity page is its list (and its buttons: test_suspicious_...).
    ("moderation", "suspiciousactivity"): {"add", "change", "delete", "history", "delete_selected"},
    ("axes", "accessattempt"): {"add"},
    ("axes", "accesslog"): {"add"},
    ("axes", "accessfailurelog"): {"add"},
}

# The object's state before an action, so that the action, if run, would change something.
ACTION_STATE: dict[tuple[Key, str], dict] = {
    (("gallery", "face"), "unhide_faces"): {"status": FaceStatus.HIDDEN},
    (("gallery", "face"), "unfeature_faces"): {"featured": True},
    (("scoring", "scorerversion"), "unpin_version"): {"is_active": True, "pinned": True},
    (("gallery", "generatorversion"), "stop_rollout"): {"status": VersionStatus.CANDIDATE},
}
FACE_OPERATION_STATE: dict[str, dict] = {
    "hide": {}, "unhide": {"status": FaceStatus.HIDDEN}, "feature": {},
    "unfeature": {"featured": True}, "dismiss": {},
}  # fmt: skip
CUSTOM_URLS = {
    "gallery_face_moderate",
    "moderation_suspiciousactivity_act",
    "scoring_scorerversion_retrain",
    "gallery_generatorversion_train",
    "auth_user_password_change",
}

ADMINS: dict[Key, admin.ModelAdmin] = {
    (model._meta.app_label, model._meta.model_name or ""): model_admin  # set on every model
    for model, model_admin in admin.site._registry.items()
}
# The queue's change page only forwards to the face page: test_the_queue_forwards_...
PAGE_CASES = [(key, page) for key in sorted(ADMINS) for page in PAGES]
PAGE_CASES.remove((("moderation", "reportedface"), "change"))
ACTIONS = sorted(
    (key, name)
    for key, model_admin in ADMINS.items()
    for _, name, _ in model_admin._get_base_actions()  # type: ignore[attr-defined]  # private
)


def case_id(value) -> str | None:
    return ".".join(value) if isinstance(value, tuple) else None


def may(who: str, key: Key, what: str) -> bool:
    if who == "superuser":
        return what not in NOBODY_MAY.get(key, set())
    return who == "moderator" and what in MODERATOR_MAY.get(key, set())


def changelist(key: Key) -> str:
    return reverse("admin:{}_{}_changelist".format(*key))


def page_url(key: Key, page: str, pk: int) -> str:
    name = "admin:{}_{}_{}".format(*key, page)
    return reverse(name) if page == "add" else reverse(name, args=[pk])


def sent_to_admin_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response["Location"]).path == "/admin/login/"


def database_state() -> dict[str, list[dict]]:
    """Every row of every table (sessions aside): what a refused request must not change."""
    return {
        model._meta.label: list(model._base_manager.order_by("pk").values())
        for model in apps.get_models()
        if not model._meta.proxy and model is not Session
    }


@pytest.fixture
def objects(db) -> dict[Key, object]:
    """One real row of every model with an admin page."""
    face, reported = FaceFactory.create_batch(2)
    vote_cast(face_id=face.pk, voter="anon:voter", label="interesting", ip_hash="a" * 64)
    report = report_create(face_id=reported.pk, voter="anon:reporter", reason="rude")
    access = {"user_agent": "curl", "ip_address": "10.0.0.1", "username": "eve",
              "http_accept": "*/*", "path_info": "/admin/login/"}  # fmt: skip
    return {
        ("auth", "group"): Group.objects.create(name="Editors"),
        ("auth", "user"): User.objects.create_user("uma", password="u" * 20),
        ("gallery", "generationsettings"): GenerationSettings.objects.get(pk=1),
        ("gallery", "generatormodel"): GeneratorModel.objects.create(
            name="spare", sha256="0" * 64, scale_factor=1.0
        ),
        ("gallery", "generationbatch"): GenerationBatchFactory.create(count=1),
        ("gallery", "generatorversion"): GeneratorVersionFactory.create(),  # rails passed
        ("gallery", "face"): face,
        ("voting", "vote"): Vote.objects.get(face=face),
        ("voting", "report"): report,
        ("voting", "block"): Block.objects.create(kind=Block.Kind.VOTER, value="anon:troll"),
        ("scoring", "scorerversion"): ScorerVersion.objects.create(
            version=1, artifact=b"", config={}, training_faces=0, holdout_faces=0, votes_seen=0
        ),
        ("moderation", "reportedface"): ReportedFace.objects.get(pk=reported.pk),
        ("moderation", "moderationevent"): ModerationEvent.objects.create(
            actor_name="mia", action=Action.FACE_HIDE, face_id=face.pk
        ),
        ("moderation", "voidjob"): VoidJob.objects.create(voters=["anon:voter"]),
        ("moderation", "suspiciousactivity"): SuspiciousActivity.objects.get(face=face),
        ("exports", "exportjob"): ExportJob.objects.create(
            format="votes", status=ExportJob.Status.DONE, files=["votes.jsonl"]
        ),
        ("axes", "accessattempt"): AccessAttempt.objects.create(
            **access, get_data="", post_data="", failures_since_start=1
        ),
        ("axes", "accesslog"): AccessLog.objects.create(**access),
        ("axes", "accessfailurelog"): AccessFailureLog.objects.create(**access),
    }


def test_there_is_an_object_of_every_admin_model(objects):
    assert set(objects) == set(ADMINS)


def test_the_tables_name_only_real_admins_pages_and_actions():
    actions = {key: {name for k, name in ACTIONS if k == key} for key in ADMINS}
    for table in (MODERATOR_MAY, NOBODY_MAY):
        for key, allowed in table.items():
            assert allowed <= set(PAGES) | actions[key], key
    for key, allowed in MODERATOR_MAY.items():  # nothing a superuser lacks
        assert not allowed & NOBODY_MAY.get(key, set()), key


@pytest.mark.parametrize(("key", "page"), PAGE_CASES, ids=case_id)
def test_every_admin_page_of_an_object_is_guarded(clients, objects, key, page):
    url = page_url(key, page, objects[key].pk)
    for who, client in clients.items():
        response = client.get(url)
        if who in ("anonymous", "visitor"):
            assert sent_to_admin_login(response), who
        else:
            assert response.status_code == (200 if may(who, key, page) else 403), who


def test_the_queue_forwards_its_change_page_to_the_face_page_for_those_who_see_the_queue(
    clients, objects
):
    face = objects[("moderation", "reportedface")]
    url = page_url(("moderation", "reportedface"), "change", face.pk)
    face_page = page_url(("gallery", "face"), "change", face.pk)
    for who in ("anonymous", "visitor"):
        assert sent_to_admin_login(clients[who].get(url)), who
    assert clients["staff"].get(url).status_code == 403  # refused here, not only on the face page
    for who in ("moderator", "superuser"):
        response = clients[who].get(url, follow=True)
        assert response.redirect_chain == [(face_page, 302)], who
        assert response.status_code == 200, who


def run_action(client, key: Key, action: str, pk: int):
    form = {"action": action, "_selected_action": [pk], "post": "yes"}  # post: confirmed
    return client.post(changelist(key), form)


def prepared(objects, key: Key, action: str) -> int:
    obj = objects[key]
    type(obj)._base_manager.filter(pk=obj.pk).update(**ACTION_STATE.get((key, action), {}))
    return obj.pk


@pytest.mark.parametrize(("key", "action"), ACTIONS, ids=case_id)
def test_a_refused_admin_action_changes_nothing(clients, objects, key, action):
    pk = prepared(objects, key, action)
    before = database_state()
    for who, client in clients.items():
        if may(who, key, action):
            continue
        response = run_action(client, key, action, pk)
        if who in ("anonymous", "visitor"):
            assert sent_to_admin_login(response), who
        elif who == "staff" or (who == "moderator" and key not in MODERATOR_MAY_VIEW):
            assert response.status_code == 403, who
        else:  # may open the list, not run this action: the list again, or back to it
            assert response.status_code in (200, 302), who
            assert response.status_code == 200 or response["Location"] == changelist(key), who
        assert database_state() == before, who


ALLOWED_ACTIONS = [
    (key, action, who)
    for key, action in ACTIONS
    for who in ("moderator", "superuser")
    if may(who, key, action)
]


@pytest.mark.parametrize(("key", "action", "who"), ALLOWED_ACTIONS, ids=case_id)
def test_an_allowed_admin_action_does_its_work(clients, objects, key, action, who):
    pk = prepared(objects, key, action)
    before = database_state()
    response = run_action(clients[who], key, action, pk)
    assert (response.status_code, response["Location"]) == (302, changelist(key))
    assert database_state() != before


def test_a_staff_member_who_may_only_view_scorer_versions_cannot_pin_one(objects):
    # Found by this matrix: the pin actions used to ask no permission at all.
    viewer = User.objects.create_user("vera", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_scorerversion"))
    client = Client()
    client.force_login(viewer)
    key = ("scoring", "scorerversion")
    before = database_state()
    run_action(client, key, "pin_version", objects[key].pk)
    assert database_state() == before


def staff_with(*codenames: str) -> Client:
    member = User.objects.create_user(f"staff-{'-'.join(codenames)}"[:150], is_staff=True)
    member.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    client = Client()
    client.force_login(member)
    return client


@pytest.mark.parametrize(
    ("key", "action", "held", "missing"),
    [
        (("voting", "report"), "hide_reported_faces", "change_report", "change_face"),
        (("voting", "vote"), "block_voters", "change_vote", "add_block"),
        (("voting", "vote"), "block_ip_hashes", "change_vote", "add_block"),
    ],
)
def test_an_action_that_changes_another_model_needs_its_permission_too(
    objects, key, action, held, missing
):
    # Found by this matrix: these asked only for the listed model's change permission.
    lacking, holding = (
        staff_with(held, f"view_{key[1]}"),
        staff_with(held, missing, f"view_{key[1]}"),
    )
    before = database_state()
    run_action(lacking, key, action, objects[key].pk)
    assert database_state() == before
    response = run_action(holding, key, action, objects[key].pk)
    assert response.status_code == 302 and database_state() != before


def test_dismissing_a_faces_reports_in_one_click_needs_the_report_permission(objects):
    face = face_ready_for("dismiss", objects)
    lacking, holding = staff_with("change_face"), staff_with("change_face", "change_report")
    before = database_state()
    assert moderate(lacking, face, "dismiss").status_code == 403
    assert database_state() == before
    moderate(holding, face, "dismiss")
    assert database_state() != before


def test_every_custom_admin_url_is_covered_here():
    standard = {"{}_{}_{}".format(*key, view) for key in ADMINS for view in ("changelist", *PAGES)}
    names = {p.name for model_admin in ADMINS.values() for p in model_admin.get_urls() if p.name}
    assert names - standard == CUSTOM_URLS


def face_ready_for(operation: str, objects) -> Face:
    """The queued face (visible, one open report), in a state `operation` would change."""
    face = objects[("moderation", "reportedface")]
    Face.objects.filter(pk=face.pk).update(**FACE_OPERATION_STATE[operation])
    return face


def moderate(client, face: Face, operation: str):
    url = reverse("admin:gallery_face_moderate", args=[face.pk])
    return client.post(url, {"moderate": operation})


@pytest.mark.parametrize("operation", FACE_OPERATIONS)
def test_one_click_moderation_is_refused_to_non_moderators(clients, objects, operation):
    face = face_ready_for(operation, objects)
    before = database_state()
    for who in ("anonymous", "visitor", "staff"):
        response = moderate(clients[who], face, operation)
        if who == "staff":
            assert response.status_code == 403
        else:
            assert sent_to_admin_login(response), who
        assert database_state() == before, who


@pytest.mark.parametrize("who", ["moderator", "superuser"])
@pytest.mark.parametrize("operation", FACE_OPERATIONS)
def test_one_click_moderation_works_for_moderators_and_superusers(clients, objects, operation, who):
    face = face_ready_for(operation, objects)
    before = database_state()
    response = moderate(clients[who], face, operation)
    assert response.status_code == 302
    assert response["Location"] == page_url(("gallery", "face"), "change", face.pk)
    assert database_state() != before


def test_retraining_the_scorer_is_queued_by_superusers_only(
    clients, django_capture_on_commit_callbacks
):
    url = reverse("admin:scoring_scorerversion_retrain")
    for who, client in clients.items():
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(url)
        if who in ("anonymous", "visitor"):
            assert sent_to_admin_login(response), who
        elif who == "superuser":
            assert response.status_code == 302
            assert response["Location"] == changelist(("scoring", "scorerversion"))
        else:
            assert response.status_code == 403, who
        assert len(queued) == (1 if who == "superuser" else 0), who


def test_training_a_generator_version_is_queued_by_superusers_only(
    clients, django_capture_on_commit_callbacks
):
    url = reverse("admin:gallery_generatorversion_train")
    for who, client in clients.items():
        with django_capture_on_commit_callbacks() as queued:
            response = client.post(url)
        if who in ("anonymous", "visitor"):
            assert sent_to_admin_login(response), who
        elif who == "superuser":
            assert response.status_code == 302
            assert response["Location"] == changelist(("gallery", "generatorversion"))
        else:
            assert response.status_code == 403, who
        assert len(queued) == (1 if who == "superuser" else 0), who


def test_only_superusers_may_set_another_users_password(clients, objects):
    user = objects[("auth", "user")]
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    new = {"password1": "n3w-Passw0rd-long", "password2": "n3w-Passw0rd-long"}
    for who in ("anonymous", "visitor", "staff", "moderator"):
        page, sent = clients[who].get(url), clients[who].post(url, new)
        if who in ("anonymous", "visitor"):
            assert sent_to_admin_login(page) and sent_to_admin_login(sent), who
        else:
            assert (page.status_code, sent.status_code) == (403, 403), who
        user.refresh_from_db()
        assert user.check_password("u" * 20), who
    assert clients["superuser"].get(url).status_code == 200
    assert clients["superuser"].post(url, new).status_code == 302
    user.refresh_from_db()
    assert user.check_password(new["password1"])


def test_a_finished_export_file_reaches_those_who_may_see_export_jobs(
    clients, objects, settings, tmp_path
):
    settings.EXPORTS_DIR = tmp_path
    job = objects[("exports", "exportjob")]
    (tmp_path / job.folder_name).mkdir()
    (tmp_path / job.folder_name / "votes.jsonl").write_bytes(b'{"face_id":1}\n')
    url = reverse("exports:download", args=[job.pk, "votes.jsonl"])
    for who, client in clients.items():
        response = client.get(url)
        if who in ("anonymous", "visitor"):
            assert sent_to_admin_login(response), who
        elif who in ("staff", "moderator"):  # the admin's export page is closed to them too
            assert response.status_code == 403, who
        else:
            assert response.status_code == 200, who
            assert b"".join(response.streaming_content) == b'{"face_id":1}\n', who


@pytest.mark.parametrize("do", ["void", "block"])
def test_the_suspicious_activity_buttons_are_for_moderators_and_superusers(clients, objects, do):
    url = reverse("admin:moderation_suspiciousactivity_act")
    for who, client in clients.items():
        before = database_state()
        response = client.post(url, {"do": do, "prefix": who[0] * 64})
        if who in ("anonymous", "visitor"):
            assert sent_to_admin_login(response), who
        elif who == "staff":
            assert response.status_code == 403
        else:
            assert response.status_code == 302, who
            assert database_state() != before, who
            continue
        assert database_state() == before, who
