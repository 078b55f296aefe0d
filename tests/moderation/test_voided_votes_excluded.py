"""A voided voter's votes leave the counters, the training data and the exports."""

from __future__ import annotations

from facegallery.exports.labels import label_rule_parse
from facegallery.exports.selectors import FaceFilters, export_id_bound, export_vote_queryset
from facegallery.moderation.services import voter_votes_void
from facegallery.scoring.selectors import vote_counts_fetch
from facegallery.voting.services import vote_cast


def test_voided_votes_are_neither_trained_on_nor_exported(faces, moderator):
    for face in faces[:3]:
        vote_cast(face_id=face.pk, voter="anon:spam", label="interesting")
    vote_cast(face_id=faces[0].pk, voter="anon:honest", label="boring")
    voter_votes_void(voter="anon:spam", actor=moderator)

    filters = FaceFilters(label_rule=label_rule_parse("soft"))
    exported = export_vote_queryset(filters, id_bound=export_id_bound())
    assert list(exported.values_list("voter", flat=True)) == ["anon:honest"]

    training = vote_counts_fetch()
    assert training.face_ids.tolist() == [faces[0].pk]
    assert (training.interesting.tolist(), training.boring.tolist()) == ([0.0], [1.0])
