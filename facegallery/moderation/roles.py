"""The Moderators group: exactly the permissions moderation needs, nothing more.

Faces (view, change = hide/unhide/feature, delete), votes (view, change = void), reports
(view, change = dismiss), blocks (view, add, delete), the moderation queue and the audit log
(view), void jobs (view, add) and the suspicious-activity page (view). Not users or groups,
not scorer or generation settings: those stay with superusers.
"""

from __future__ import annotations

MODERATORS_GROUP = "Moderators"

# app label -> model name -> actions
MODERATOR_PERMISSIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "gallery": {"face": ("view", "change", "delete")},
    "voting": {
        "vote": ("view", "change"),
        "report": ("view", "change"),
        "block": ("view", "add", "delete"),
    },
    "moderation": {
        "moderationevent": ("view",),
        "reportedface": ("view", "change"),
        "voidjob": ("view", "add"),
        "suspiciousactivity": ("view",),
    },
}


def moderator_permissions() -> list[tuple[str, str]]:
    """(app label, codename) pairs, e.g. ("gallery", "change_face")."""
    return [
        (app_label, f"{action}_{model}")
        for app_label, models in MODERATOR_PERMISSIONS.items()
        for model, actions in models.items()
        for action in actions
    ]


def moderators_group_sync(apps) -> None:
    """Create the group (or reset its permissions) with the given app registry.

    Runs in a data migration, where permissions are not created yet (post_migrate creates
    them after all migrations), so it creates those of the apps it needs first. Models that
    the migration state does not have yet are left for the later migration that syncs the
    group again (moderation 0004 for void jobs and the suspicious-activity page).
    """
    from django.contrib.auth.management import create_permissions

    for app_label in MODERATOR_PERMISSIONS:
        app_config = apps.get_app_config(app_label)
        # The migration registry's app configs have no models_module; create_permissions
        # skips such apps unless told they have models.
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=MODERATORS_GROUP)
    wanted = [
        (app_label, f"{action}_{model}")
        for app_label, models in MODERATOR_PERMISSIONS.items()
        for model, actions in models.items()
        if _has_model(apps, app_label, model)
        for action in actions
    ]
    permissions = [
        Permission.objects.get(content_type__app_label=app_label, codename=codename)
        for app_label, codename in wanted
    ]
    group.permissions.set(permissions)


def _has_model(apps, app_label: str, model: str) -> bool:
    try:
        apps.get_model(app_label, model)
    except LookupError:
        return False
    return True
