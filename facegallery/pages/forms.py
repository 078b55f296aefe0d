"""Visitor input: the vote label and the report form."""

from __future__ import annotations

from django import forms

from facegallery.gallery.ids import MAX_FACE_ID
from facegallery.voting.models import Label

UNDO = "none"  # the label a tile's pressed button sends: take my vote back


class VoteForm(forms.Form):
    label = forms.ChoiceField(choices=[*Label.choices, (UNDO, "no vote")])


class VoteModeForm(forms.Form):
    action = forms.ChoiceField(
        choices=[*Label.choices, ("skip", "skip"), ("undo", "undo")],
        error_messages={"invalid_choice": "unknown action"},
    )
    face = forms.IntegerField(min_value=1, max_value=MAX_FACE_ID, required=False)


class ReportForm(forms.Form):
    REASONS = [
        ("offensive", "Offensive or inappropriate"),
        ("broken", "Broken drawing (scribbles, empty)"),
        ("not-a-face", "Not a face"),
        ("other", "Something else"),
    ]
    reason = forms.ChoiceField(choices=REASONS, widget=forms.RadioSelect, initial="offensive")
    details = forms.CharField(
        max_length=400,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Optional: what is wrong?"}),
    )

    def report_reason(self) -> str:
        """The reason as stored on the report: the choice, then the visitor's words."""
        details = self.cleaned_data["details"].strip()
        return (
            f"{self.cleaned_data['reason']}: {details}" if details else self.cleaned_data["reason"]
        )
