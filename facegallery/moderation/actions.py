"""Admin actions and one-click moderation: parse the request, call a service, report back."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from django.contrib import admin, messages
from django.utils.text import capfirst

from facegallery.moderation import services

# name -> (service taking face_ids and actor, how to say what it did to n things)
FaceOperation = tuple[Callable[..., int], Callable[[int], str]]


def _faces(verb: str) -> Callable[[int], str]:
    return lambda n: f"{verb} {n} face{'' if n == 1 else 's'}"


def _dismiss(*, face_ids: Iterable[int], actor) -> int:
    return services.report_dismiss(face_ids=face_ids, actor=actor)


FACE_OPERATIONS: dict[str, FaceOperation] = {
    "hide": (services.face_hide, _faces("hid")),
    "unhide": (services.face_unhide, _faces("unhid")),
    "feature": (services.face_feature, _faces("featured")),
    "unfeature": (services.face_unfeature, _faces("unfeatured")),
    "dismiss": (_dismiss, lambda n: f"dismissed {n} report{'' if n == 1 else 's'}"),
}


def face_operation_run(modeladmin, request, name: str, face_ids: Iterable[int]) -> None:
    service, describe = FACE_OPERATIONS[name]
    ids = list(face_ids)
    changed = service(face_ids=ids, actor=request.user)
    level = messages.SUCCESS if changed else messages.WARNING
    message = capfirst(describe(changed))
    if name != "dismiss" and changed < len(ids):
        message += (
            f" ({len(ids) - changed} already so{' or not visible' if name == 'feature' else ''})"
        )
    modeladmin.message_user(request, message, level)


def _face_action(name: str, description: str, action_name: str = ""):
    @admin.action(description=description, permissions=["change"])
    def action(modeladmin, request, queryset):
        face_operation_run(modeladmin, request, name, queryset.values_list("pk", flat=True))

    action.__name__ = action_name or f"{name}_faces"  # the action's name in the POST
    return action


hide_faces = _face_action("hide", "Hide selected faces")
unhide_faces = _face_action("unhide", "Unhide selected faces")
feature_faces = _face_action("feature", "Feature selected faces (pin to the top of the gallery)")
unfeature_faces = _face_action("unfeature", "Unfeature selected faces")
dismiss_face_reports = _face_action(
    "dismiss", "Dismiss the open reports of selected faces", "dismiss_face_reports"
)
