"""The learned representation in the Django loop: cached once per drawing, trained on, and the
scorer versions before it still used."""

from __future__ import annotations

import numpy as np

import generator.likelihood
from facegallery.gallery.models import Face
from facegallery.generation.services import admission
from facegallery.generation.services.admission import admission_decide
from facegallery.generation.services.batches import face_generate_batch
from facegallery.scoring.models import DrawingNll, DrawingRepresentation, ScorerVersion
from facegallery.scoring.selectors import FEATURE_FIELDS
from facegallery.scoring.services import features as scoring_features
from facegallery.scoring.services.features import face_feature_batch
from facegallery.scoring.services.training import scorer_retrain
from facegallery.voting.models import Label
from facegallery.voting.services import vote_cast
from generator.likelihood import drawing_nll_and_states
from generator.representation import REPR_VERSION, REPR_WIDTH
from generator.sampling import sample_faces
from generator.scorer import LinearScorer, ScorerConfig, ScorerNet, load_scorer
from tests.factories import GenerationBatchFactory, store_scorer


def _rows() -> list[dict]:
    return list(Face.objects.order_by("pk").values(*FEATURE_FIELDS))


def test_the_representation_is_computed_once_per_drawing_then_read_from_the_cache(
    drawn_faces, monkeypatch
):
    rows = _rows()
    DrawingNll.objects.all().delete()  # the same decoder pass fills the NLL cache too
    batch = face_feature_batch(config=ScorerConfig.for_representation(), rows=rows)
    assert batch.repr is not None and batch.repr.shape == (len(rows), REPR_WIDTH)
    assert np.isfinite(batch.repr).all() and batch.repr.std(axis=0).max() > 0
    distinct = len({bytes(row["strokes"]) for row in rows})
    assert DrawingRepresentation.objects.count() == distinct == DrawingNll.objects.count()

    def no_decoder(name):
        raise AssertionError("the cached representation needs no decoder pass")

    monkeypatch.setattr(scoring_features.decoders, "decoder_get", no_decoder)
    again = face_feature_batch(config=ScorerConfig.for_representation(), rows=rows[::-1])
    np.testing.assert_array_equal(again.repr, batch.repr[::-1])
    np.testing.assert_array_equal(again.tabular, batch.tabular[::-1])


def _vote_by_strokes(faces: list[Face]) -> None:
    for face in faces:
        label = Label.INTERESTING if face.num_strokes >= 6 else Label.BORING
        vote_cast(face_id=face.pk, voter="tester", label=label)


def test_retraining_trains_the_representation_head_against_an_older_mlp_version(
    fast_scoring, many_faces
):
    old = store_scorer(version=1, labels_of=lambda n: float(n >= 6))
    assert isinstance(load_scorer(old.artifact, old.config)[0], ScorerNet)
    _vote_by_strokes(many_faces)
    result = scorer_retrain(force=True)
    assert result.version is not None
    row = ScorerVersion.objects.get(version=result.version)
    assert row.config["head"] == "linear" and row.config["repr_version"] == REPR_VERSION
    assert f"representation-v{REPR_VERSION}" in row.features_used
    assert row.incumbent_version == 1 and row.incumbent_auc is not None  # the old one scored
    assert row.auc is not None and row.auc > 0.5
    net, config = load_scorer(row.artifact, row.config)
    assert isinstance(net, LinearScorer) and config.l2 > 0
    assert len(config.score_quantiles) == 101


def test_admission_with_a_representation_scorer_scores_new_drawings_and_caches_them(
    fast_scoring, many_faces, monkeypatch
):
    monkeypatch.setattr(admission, "_loaded", {})  # versions are numbered afresh in each test
    _vote_by_strokes(many_faces)
    result = scorer_retrain(force=True)
    assert result.promoted
    decoder = scoring_features.decoders.decoder_get("face")
    drawings = sample_faces(decoder, list(range(900_000, 900_016)), 0.3)
    before = DrawingRepresentation.objects.count()
    decisions = admission_decide(drawings=drawings, temperature=0.3, stored=None)
    assert all(d.scorer_version == result.version and d.score is not None for d in decisions)
    assert DrawingRepresentation.objects.count() == before + 16


def test_an_active_version_of_another_representation_admits_everything(
    fast_scoring, many_faces, monkeypatch
):
    monkeypatch.setattr(admission, "_loaded", {})
    _vote_by_strokes(many_faces)
    result = scorer_retrain(force=True)
    assert result.version is not None
    row = ScorerVersion.objects.get(version=result.version)
    row.config = {**row.config, "repr_version": REPR_VERSION + 1}
    row.save(update_fields=["config"])
    decoder = scoring_features.decoders.decoder_get("face")
    drawings = sample_faces(decoder, [7, 8], 0.3)
    decisions = admission_decide(drawings=drawings, temperature=0.3, stored=None)
    assert all(d.scorer_version is None and d.score is None for d in decisions)


def test_pooled_states_from_the_sampler_are_cached_as_the_decoder_pass_would_compute_them(
    drawn_faces, monkeypatch
):
    rows = _rows()[:8]
    stored = [bytes(row["strokes"]) for row in rows]
    scale = rows[0]["generator__scale_factor"]
    drawings = scoring_features.normalised_drawings(stored, scale)
    decoder = scoring_features.decoders.decoder_get("face")
    expected = face_feature_batch(config=ScorerConfig.for_representation(), rows=rows).repr
    DrawingRepresentation.objects.all().delete()
    _, pooled = drawing_nll_and_states(decoder, drawings)  # what a sampler would pool
    scoring_features.representation_cache_store(
        generator_name="face", drawings=drawings, stored=stored, pooled=[*pooled[:7], None]
    )
    assert DrawingRepresentation.objects.count() == len(set(stored[:7]))
    got = face_feature_batch(config=ScorerConfig.for_representation(), rows=rows).repr
    assert got is not None and expected is not None
    np.testing.assert_allclose(got, expected, atol=1e-2)


def test_a_batch_drawn_under_a_representation_scorer_needs_no_second_decoder_pass(
    fast_scoring, many_faces, monkeypatch
):
    """The worker pools the states as it draws, so admission reads them all from the cache
    (faces cut at max_seq_len too: the sampler reads their lifted last point with one more
    step); and they are the rows the teacher-forced pass over the stored faces gives."""
    monkeypatch.setattr(admission, "_loaded", {})
    _vote_by_strokes(many_faces)
    assert scorer_retrain(force=True).promoted
    batch = GenerationBatchFactory.create(count=16, temperature=0.3)
    read_again: list[int] = []
    teacher_forced = generator.likelihood.drawing_nll_and_states

    def counted_pass(decoder, drawings, **kwargs):
        read_again.extend(len(drawing) for drawing in drawings)
        return teacher_forced(decoder, drawings, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(generator.likelihood, "drawing_nll_and_states", counted_pass)
        assert face_generate_batch(batch_id=batch.pk).generated == 16
    faces = Face.objects.filter(seed__in=batch.seeds).order_by("pk")
    assert all(score is not None for score in faces.values_list("score", flat=True))
    assert read_again == []  # no second decoder pass, for any face
    new = list(faces.values(*FEATURE_FIELDS))
    pooled = face_feature_batch(config=ScorerConfig.for_representation(), rows=new).repr
    DrawingRepresentation.objects.all().delete()
    again = face_feature_batch(config=ScorerConfig.for_representation(), rows=new).repr
    assert pooled is not None and again is not None
    np.testing.assert_allclose(pooled, again, atol=2e-2)
