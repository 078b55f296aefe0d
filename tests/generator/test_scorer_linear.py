"""generator.scorer_linear (the representation head) and loading artifacts of either kind."""

from __future__ import annotations

import numpy as np
import pytest

from generator.representation import REPR_VERSION, REPR_WIDTH, STATE_WIDTH
from generator.scorer import (
    FeatureBatch,
    ScorerConfig,
    ScorerLoadError,
    ScorerNet,
    artifact_bytes,
    load_scorer,
    predict,
    train_scorer,
)
from generator.scorer_linear import L2_GRID, LinearScorer
from generator.scorer_metrics import weighted_auc


def _data(n: int, seed: int = 0) -> tuple[FeatureBatch, np.ndarray]:
    """Faces whose taste is a statistic, a layout cell and the states' widest direction."""
    rng = np.random.default_rng(seed)
    config = ScorerConfig.for_representation()
    tab = rng.normal(size=(n, len(config.tabular_names()))).astype(np.float32)
    rep = rng.normal(size=(n, REPR_WIDTH)).astype(np.float32)
    rep[:, 5] *= 4.0  # the states' first principal component
    signal = tab[:, 1] + rep[:, STATE_WIDTH + 2] + rep[:, 5] / 4
    liked = (signal + 0.3 * rng.normal(size=n) > 0.2).astype(np.float64)
    return FeatureBatch(tab, None, rep), liked


def test_the_linear_head_learns_from_a_few_hundred_labels_and_generalises():
    batch, liked = _data(1300)
    config = ScorerConfig.for_representation()
    net = train_scorer(
        config, batch.take(np.arange(300)), liked[:300], np.ones(300),
        unlabelled=batch.take(np.arange(300, 1300)),
    )  # fmt: skip
    assert isinstance(net, LinearScorer)
    scores = predict(net, batch.take(np.arange(300, 1300)))
    assert weighted_auc(liked[300:], np.ones(1000), scores) > 0.85
    assert config.l2 in L2_GRID  # chosen by cross-validation and recorded for the artifact


def test_training_is_deterministic_and_weights_count():
    batch, liked = _data(400, seed=1)
    first = predict(
        train_scorer(ScorerConfig.for_representation(), batch, liked, np.ones(400)), batch
    )
    again = predict(
        train_scorer(ScorerConfig.for_representation(), batch, liked, np.ones(400)), batch
    )
    np.testing.assert_array_equal(first, again)
    wrong = np.where(np.arange(400) < 200, liked, 1.0 - liked)  # second half: labels flipped
    ignored = np.where(np.arange(400) < 200, 1.0, 0.0)
    net = train_scorer(ScorerConfig.for_representation(), batch, wrong, ignored)
    assert weighted_auc(liked, np.ones(400), predict(net, batch)) > 0.85
    counted = train_scorer(ScorerConfig.for_representation(), batch, wrong, np.ones(400))
    assert weighted_auc(liked, np.ones(400), predict(counted, batch)) < 0.7


def test_a_linear_artifact_round_trips_through_bytes_and_its_config():
    batch, liked = _data(300, seed=2)
    config = ScorerConfig.for_representation(pca_dims=8)
    net = train_scorer(config, batch, liked, np.ones(300))
    again, again_config = load_scorer(artifact_bytes(net), config.as_dict())
    assert again_config == config and again_config.head == "linear"
    np.testing.assert_array_equal(predict(again, batch), predict(net, batch))
    assert f"representation-v{REPR_VERSION}" in config.features_used()


def test_a_head_trained_on_few_faces_keeps_fewer_components_and_still_loads():
    batch, liked = _data(6, seed=3)
    liked[:3] = [0.0, 1.0, 0.5]
    config = ScorerConfig.for_representation()
    net = train_scorer(config, batch, liked, np.ones(6))
    again, _ = load_scorer(artifact_bytes(net), config.as_dict())
    assert again.state_basis.shape == (STATE_WIDTH, 5)
    np.testing.assert_array_equal(predict(again, batch), predict(net, batch))


def test_an_artifact_stored_before_the_representation_still_loads_as_the_mlp():
    # The config exactly as training stored it before (no head, no representation fields).
    old = {
        "use_nll": False, "use_temperature": True, "use_raster": False, "hidden": 32,
        "channels": 8, "epochs": 5, "batch_size": 512, "lr": 0.003, "weight_decay": 0.0001,
        "seed": 0, "score_quantiles": [0.1 * k for k in range(101)],
    }  # fmt: skip
    config = ScorerConfig.from_dict(old)
    rng = np.random.default_rng(4)
    batch = FeatureBatch(rng.normal(size=(50, len(config.tabular_names()))).astype(np.float32))
    net = train_scorer(config, batch, (batch.tabular[:, 0] > 0) * 1.0, np.ones(50))
    loaded, loaded_config = load_scorer(artifact_bytes(net), old)
    assert isinstance(loaded, ScorerNet) and loaded_config.head == "mlp"
    assert not loaded_config.use_repr
    np.testing.assert_array_equal(predict(loaded, batch), predict(net, batch))


def test_artifacts_of_another_representation_version_or_kind_refuse_to_load_clearly():
    batch, liked = _data(100, seed=5)
    config = ScorerConfig.for_representation()
    data = artifact_bytes(train_scorer(config, batch, liked, np.ones(100)))
    with pytest.raises(ScorerLoadError, match=f"representation v{REPR_VERSION + 1}.*retrain"):
        load_scorer(data, {**config.as_dict(), "repr_version": REPR_VERSION + 1})
    with pytest.raises(ScorerLoadError, match="unknown scorer head"):
        load_scorer(data, {**config.as_dict(), "head": "forest"})
    with pytest.raises(ScorerLoadError, match="unusable"):
        load_scorer(data[: len(data) // 2], config.as_dict())
    with pytest.raises(ValueError, match="representation"):
        predict(load_scorer(data, config.as_dict())[0], FeatureBatch(batch.tabular))
