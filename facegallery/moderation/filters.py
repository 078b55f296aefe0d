"""Admin list filters for faces. Each one keeps to indexed or cheap per-row conditions."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Exists, F, OuterRef, Q

from facegallery.voting.models import Report


class ReportedFilter(admin.SimpleListFilter):
    title = "reports"
    parameter_name = "reported"

    def lookups(self, request, model_admin):
        return [("open", "open reports"), ("any", "ever reported"), ("none", "never reported")]

    def queryset(self, request, queryset):
        # EXISTS, not a join: one row a face whatever its number of reports.
        reports = Report.objects.filter(face=OuterRef("pk"))
        if self.value() == "open":
            return queryset.filter(Exists(reports.filter(resolution=Report.Resolution.OPEN)))
        if self.value() == "any":
            return queryset.filter(Exists(reports))
        if self.value() == "none":
            return queryset.filter(~Exists(reports))
        return queryset


class _RangeFilter(admin.SimpleListFilter):
    """Buckets: parameter value -> (title, Q)."""

    buckets: dict[str, tuple[str, Q]] = {}

    def lookups(self, request, model_admin):
        return [(key, title) for key, (title, _) in self.buckets.items()]

    def queryset(self, request, queryset):
        bucket = self.buckets.get(self.value() or "")
        if bucket is None:
            return queryset
        return self.prepare(queryset).filter(bucket[1])

    def prepare(self, queryset):
        return queryset


class ScoreRangeFilter(_RangeFilter):
    """The scorer's score when the face was admitted (0 = surely boring, 1 = interesting)."""

    title = "scorer score"
    parameter_name = "score"
    buckets = {
        "lt0.25": ("below 0.25", Q(score__lt=0.25)),
        "0.25-0.5": ("0.25 – 0.5", Q(score__gte=0.25, score__lt=0.5)),
        "0.5-0.75": ("0.5 – 0.75", Q(score__gte=0.5, score__lt=0.75)),
        "gte0.75": ("0.75 and above", Q(score__gte=0.75)),
        "none": ("not scored", Q(score__isnull=True)),
    }


class VoteCountFilter(_RangeFilter):
    title = "votes"
    parameter_name = "votes"
    buckets = {
        "0": ("none", Q(total_votes=0)),
        "1-4": ("1 – 4", Q(total_votes__gte=1, total_votes__lte=4)),
        "5-19": ("5 – 19", Q(total_votes__gte=5, total_votes__lte=19)),
        "20-99": ("20 – 99", Q(total_votes__gte=20, total_votes__lte=99)),
        "100+": ("100 or more", Q(total_votes__gte=100)),
    }

    def prepare(self, queryset):
        return queryset.alias(total_votes=F("interesting_count") + F("boring_count"))
