"""generator.scorer and scorer_metrics: training, artifacts, thresholds, weighted metrics."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from generator.features import RASTER_SIZE
from generator.scorer import (
    FeatureBatch,
    ScorerConfig,
    ScorerLoadError,
    artifact_bytes,
    band_quantiles,
    load_scorer,
    predict,
    score_quantiles,
    threshold_for_share,
    train_scorer,
)
from generator.scorer_metrics import calibration_error, evaluate, weighted_auc


def _data(n: int, config: ScorerConfig, seed: int = 0):
    rng = np.random.default_rng(seed)
    tab = rng.normal(size=(n, len(config.tabular_names()))).astype(np.float32)
    ras = rng.random((n, RASTER_SIZE, RASTER_SIZE)).astype(np.float32)
    liked = (tab[:, 1] + 0.5 * tab[:, 3] > 0.3).astype(np.float64)
    return FeatureBatch(tab, ras if config.use_raster else None), liked


def test_weighted_auc_matches_the_pairwise_definition_with_soft_labels_and_ties():
    rng = np.random.default_rng(1)
    y, w = rng.random(30).round(1), rng.random(30) + 0.1
    p = rng.integers(0, 6, 30) / 5  # many ties
    num = den = 0.0
    for i, j in itertools.product(range(30), repeat=2):
        pair = y[i] * w[i] * (1 - y[j]) * w[j]  # i as a positive, j as a negative
        num += pair * (1.0 if p[i] > p[j] else 0.5 if p[i] == p[j] else 0.0)
        den += pair
    assert weighted_auc(y, w, p) == pytest.approx(num / den)
    assert np.isnan(weighted_auc(np.ones(3), np.ones(3), np.arange(3)))


def test_a_calibrated_predictor_has_no_calibration_error():
    p = np.repeat([0.25, 0.75], 4)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0], float)
    assert calibration_error(y, np.ones(8), p) == pytest.approx(0.0)
    assert calibration_error(1 - y, np.ones(8), p) == pytest.approx(0.5)


@pytest.mark.parametrize("use_raster", [False, True])
def test_training_learns_a_rule_that_generalises(use_raster):
    config = ScorerConfig(use_raster=use_raster, epochs=20)
    batch, liked = _data(1200, config)
    net = train_scorer(config, batch.take(np.arange(1000)), liked[:1000], np.ones(1000))
    metrics = evaluate(liked[1000:], np.ones(200), predict(net, batch.take(np.arange(1000, 1200))))
    assert metrics.auc > 0.9
    assert metrics.log_loss < 0.5


def test_weights_decide_which_faces_the_scorer_follows():
    config = ScorerConfig(use_nll=False, use_temperature=False, epochs=40)
    tab = np.zeros((200, len(config.tabular_names())), np.float32)
    tab[:, 0] = np.repeat([0.0, 1.0], 100)  # two identical-looking groups of faces
    labels = np.tile([1.0, 0.0], 100)  # half liked in each group
    weights = np.where(labels == 1, 9.0, 1.0)  # but the liked ones weigh 9 times more
    net = train_scorer(config, FeatureBatch(tab), labels, weights)
    assert predict(net, FeatureBatch(tab)).mean() == pytest.approx(0.9, abs=0.05)


def test_a_feature_constant_in_training_does_not_blow_up_other_values():
    config = ScorerConfig(epochs=5)
    batch, liked = _data(300, config)
    batch.tabular[:, -1] = 0.3  # every training face drawn at one temperature
    net = train_scorer(config, batch, liked, np.ones(300))
    batch.tabular[:, -1] = 0.6
    p = predict(net, batch)
    assert np.isfinite(p).all() and 0.05 < p.mean() < 0.95


def test_an_artifact_round_trip_gives_the_same_scores_and_damage_is_an_error():
    config = ScorerConfig(use_raster=True, epochs=2)
    batch, liked = _data(300, config)
    net = train_scorer(config, batch, liked, np.ones(300))
    data = artifact_bytes(net)
    again, again_config = load_scorer(data, config.as_dict())
    np.testing.assert_array_equal(predict(again, batch), predict(net, batch))
    assert again_config.features_used() == config.features_used()
    for damaged in (b"", data[: len(data) // 2], b"x" * 100):
        with pytest.raises(ScorerLoadError):
            load_scorer(damaged, config.as_dict())
    with pytest.raises(ScorerLoadError):
        load_scorer(data, {**config.as_dict(), "use_raster": False})


def test_each_temperature_band_gets_the_threshold_that_keeps_the_share_of_its_own_draws():
    rng = np.random.default_rng(0)
    # 0.2 and 0.21 fall in one band; 50 draws at 0.8 are too few for a band of their own.
    temperatures = np.repeat([0.2, 0.21, 0.5, 0.8], [3_000, 1_000, 2_000, 50])
    scores = rng.random(len(temperatures)) + temperatures  # hotter draws score higher
    config = ScorerConfig(
        score_quantiles=score_quantiles(scores),
        band_quantiles=band_quantiles(scores, temperatures),
    )
    assert set(config.band_quantiles) == {"4", "10"}  # 0.2 and 0.21 share a band; 0.5
    for temperature in (0.2, 0.21, 0.5):
        own = scores[np.isclose(temperatures, temperature, atol=0.011)]
        kept = own >= threshold_for_share(config, 0.3, temperature=temperature)
        assert kept.mean() == pytest.approx(0.3, abs=0.02)
    pooled = threshold_for_share(config, 0.3)
    assert threshold_for_share(config, 0.3, temperature=0.8) == pooled  # no band: all draws
    # One pooled threshold keeps most of the hot band and little of the cold one.
    assert (scores[temperatures == 0.5] >= pooled).mean() > 0.5
    assert ScorerConfig.from_dict(config.as_dict()).band_quantiles == config.band_quantiles


def test_the_threshold_keeps_the_requested_share():
    scores = np.random.default_rng(0).random(10_000)
    config = ScorerConfig(score_quantiles=score_quantiles(scores))
    for share in (0.1, 0.3, 0.8):
        assert (scores >= threshold_for_share(config, share)).mean() == pytest.approx(
            share, abs=0.01
        )
