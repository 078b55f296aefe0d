"""The scorer: a small PyTorch model that predicts P(interesting) for a face from its features.

Two kinds, chosen by ScorerConfig.head:

- "linear" (what training builds now): a regularised logistic regression over the tabular row
  (drawing statistics, the generator's NLL statistics, temperature; generator.features) and
  the learned representation (generator.representation: the decoder's pooled states and where
  the ink and strokes are); see generator/scorer_linear.py. It learns from ~200 votes.
- "mlp" (artifacts trained before the representation; still loaded and used): a small MLP over
  the tabular row and, once enough votes existed, a RASTER_SIZE^2 raster read by a small
  convolutional encoder.

Labels are soft (share of interesting votes) with per-face weights; see
facegallery/scoring/services/labels.py for how they are built. An artifact is the state_dict
saved with torch.save (loaded back with weights_only=True) plus a JSON-able config
(ScorerConfig.as_dict) that rebuilds the module; a config without ``head`` is an "mlp" one.
No I/O here: bytes in and out.
"""

from __future__ import annotations

import io
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
from torch import Tensor, nn

from generator.features import NLL_NAMES, RASTER_SIZE, STAT_NAMES
from generator.representation import REPR_VERSION
from generator.scorer_linear import LinearScorer, train_linear

HEADS = ("mlp", "linear")


class ScorerLoadError(ValueError):
    """An artifact that cannot be turned back into a scorer (corrupted, wrong shapes)."""


@dataclass
class ScorerConfig:
    head: str = "mlp"  # "linear" (representation) or "mlp" (older artifacts); see HEADS
    use_repr: bool = False  # the learned representation (generator.representation)
    repr_version: int = 0  # REPR_VERSION it was trained on (0: none); others refuse to load
    pca_dims: int = 32  # linear head: PCA components kept of the pooled decoder states
    l2: float = 0.0  # linear head: L2 penalty; 0 = chosen by cross-validation, then recorded
    use_nll: bool = True  # the generator's NLL statistics (costly: a decoder pass a face)
    use_temperature: bool = True
    use_raster: bool = False  # the learned convolutional encoder over the raster
    hidden: int = 32  # units of the tabular and head layers
    channels: int = 8  # convolution channels of the raster encoder
    epochs: int = 0  # 0: chosen from the training-set size (see train_scorer)
    batch_size: int = 512
    lr: float = 3e-3
    weight_decay: float = 1e-4
    seed: int = 0
    # Quantiles 0, 1, ..., 100 % of scores on recent unfiltered draws: admission thresholds.
    score_quantiles: list[float] = field(default_factory=list)
    # The same per temperature band (str(band index) -> 101 quantiles), for bands with enough
    # draws: temperature is an input and shifts the scores, so one pooled threshold admits
    # more of the batches drawn where the taste is common (see band_quantiles).
    band_quantiles: dict[str, list[float]] = field(default_factory=dict)

    def tabular_names(self) -> list[str]:
        names = list(STAT_NAMES)
        if self.use_nll:
            names += NLL_NAMES
        if self.use_temperature:
            names.append("temperature")
        return names

    def features_used(self) -> list[str]:
        extra = [f"raster{RASTER_SIZE}"] if self.use_raster else []
        if self.use_repr:
            extra.append(f"representation-v{self.repr_version}")
        return self.tabular_names() + extra

    @classmethod
    def for_representation(cls, **kwargs) -> ScorerConfig:
        """The config training uses now: the linear head over statistics + representation."""
        return cls(head="linear", use_repr=True, repr_version=REPR_VERSION, **kwargs)

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> ScorerConfig:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class FeatureBatch:
    tabular: np.ndarray  # (N, len(config.tabular_names())) float32
    raster: np.ndarray | None = None  # (N, RASTER_SIZE, RASTER_SIZE) float32, when use_raster
    repr: np.ndarray | None = None  # (N, REPR_WIDTH) float32, when use_repr

    def __len__(self) -> int:
        return len(self.tabular)

    def take(self, index: np.ndarray) -> FeatureBatch:
        return FeatureBatch(
            self.tabular[index],
            None if self.raster is None else self.raster[index],
            None if self.repr is None else self.repr[index],
        )


class RasterEncoder(nn.Module):
    """(N, S, S) raster -> (N, 2 * channels) shape code."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1),  # (N, C, S, S)
            nn.ReLU(),
            nn.MaxPool2d(2),  # (N, C, S/2, S/2)
            nn.Conv2d(channels, 2 * channels, 3, padding=1),  # (N, 2C, S/2, S/2)
            nn.ReLU(),
            nn.AdaptiveMaxPool2d(1),  # (N, 2C, 1, 1)
            nn.Flatten(),  # (N, 2C)
        )

    def forward(self, raster: Tensor) -> Tensor:
        return self.net(raster.unsqueeze(1))


class ScorerNet(nn.Module):
    """Standardised tabular features (+ raster code) -> MLP -> one logit."""

    mean: Tensor  # registered buffers, declared for the type checker: (D,) each
    std: Tensor

    def __init__(self, config: ScorerConfig) -> None:
        super().__init__()
        n_tab = len(config.tabular_names())
        self.register_buffer("mean", torch.zeros(n_tab))
        self.register_buffer("std", torch.ones(n_tab))
        self.encoder = RasterEncoder(config.channels) if config.use_raster else None
        width = n_tab + (2 * config.channels if config.use_raster else 0)
        self.head = nn.Sequential(
            nn.Linear(width, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, config.hidden),
            nn.ReLU(),
            nn.Linear(config.hidden, 1),
        )

    def forward(self, tabular: Tensor, raster: Tensor | None = None) -> Tensor:
        x = (tabular - self.mean) / self.std  # (N, D)
        if self.encoder is not None:
            if raster is None:
                raise ValueError("this scorer reads the raster: pass it")
            x = torch.cat([x, self.encoder(raster)], dim=1)  # (N, D + 2C)
        return self.head(x).squeeze(1)  # (N,) logits


Scorer = ScorerNet | LinearScorer


def _tensors(batch: FeatureBatch) -> tuple[Tensor, Tensor | None]:
    tab = torch.from_numpy(np.ascontiguousarray(batch.tabular, np.float32))
    ras = None if batch.raster is None else torch.from_numpy(np.ascontiguousarray(batch.raster))
    return tab, ras


def train_scorer(
    config: ScorerConfig,
    batch: FeatureBatch,
    labels: np.ndarray,
    weights: np.ndarray,
    *,
    unlabelled: FeatureBatch | None = None,
) -> Scorer:
    """Fit the head config.head names; ``unlabelled`` faces only help the linear head's PCA."""
    if config.head == "linear":
        return train_linear(config, batch, labels, weights, unlabelled)
    return train_mlp(config, batch, labels, weights)


def train_mlp(
    config: ScorerConfig, batch: FeatureBatch, labels: np.ndarray, weights: np.ndarray
) -> ScorerNet:
    """Fit on soft labels (N,) in [0, 1] with weights (N,) >= 0: weighted cross-entropy, Adam.

    Without config.epochs, small sets get more passes: about 3,000 updates in all, at most 60
    passes, and at most 500,000 faces seen (300,000 with the raster encoder; 2 passes at least),
    so that 500 faces converge and 100,000 train in under a minute on two cores.
    """
    if len(batch) == 0:
        raise ValueError("no training faces")
    torch.manual_seed(config.seed)
    net = ScorerNet(config)
    tab, ras = _tensors(batch)
    y = torch.from_numpy(np.asarray(labels, np.float32))
    w = torch.from_numpy(np.asarray(weights, np.float32))
    w = w / w.mean().clamp_min(1e-12)  # keep the learning rate meaningful whatever the scale
    net.mean.copy_(tab.mean(0))
    std = tab.std(0) if len(tab) > 1 else torch.ones(tab.shape[1])
    # A feature constant in training (one temperature only, say) keeps unit scale: dividing by
    # a tiny std would blow up any other value it takes at admission time.
    net.std.copy_(torch.where(std > 1e-4, std, torch.ones_like(std)))
    steps_per_epoch = -(-len(tab) // config.batch_size)
    # The raster encoder costs ~4x the MLP per face: it gets fewer passes over large sets.
    seen = 300_000 if config.use_raster else 500_000
    epochs = config.epochs or max(2, min(60, 3000 // steps_per_epoch, seen // len(tab)))
    optimiser = torch.optim.Adam(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    loss_fn = nn.BCEWithLogitsLoss(reduction="none")
    generator = torch.Generator().manual_seed(config.seed)
    net.train()
    for _ in range(epochs):
        order = torch.randperm(len(tab), generator=generator)
        for start in range(0, len(tab), config.batch_size):
            idx = order[start : start + config.batch_size]
            logits = net(tab[idx], None if ras is None else ras[idx])
            loss = (loss_fn(logits, y[idx]) * w[idx]).mean()
            optimiser.zero_grad(set_to_none=True)
            loss.backward()
            optimiser.step()
    return net.eval()


@torch.inference_mode()
def predict(net: Scorer, batch: FeatureBatch, chunk: int = 16384) -> np.ndarray:
    """(N,) float64 P(interesting) for each face."""
    net.eval()
    tab, ras = _tensors(batch)
    if isinstance(net, LinearScorer):
        if batch.repr is None:
            raise ValueError("this scorer reads the representation: pass batch.repr")
        rep = torch.from_numpy(np.ascontiguousarray(batch.repr, np.float32))  # (N, REPR_WIDTH)
        logits = net(tab, rep) if len(tab) else torch.zeros(0)
        return torch.sigmoid(logits).double().numpy()
    out = [
        torch.sigmoid(net(tab[s : s + chunk], None if ras is None else ras[s : s + chunk]))
        for s in range(0, len(tab), chunk)
    ]
    return torch.cat(out).double().numpy() if out else np.zeros(0)


def score_quantiles(scores: np.ndarray) -> list[float]:
    """The 101 percentiles of `scores`, stored in the config to turn shares into thresholds."""
    return [float(q) for q in np.percentile(scores, np.arange(101))] if len(scores) else []


BAND_WIDTH = 0.05  # temperature bands of the per-band quantiles
BAND_MIN_DRAWS = 100  # fewer draws in a band: it uses the pooled quantiles


def _band(temperature: float) -> str:
    return str(int(round(temperature, 2) / BAND_WIDTH + 1e-9))


def band_quantiles(scores: np.ndarray, temperatures: np.ndarray) -> dict[str, list[float]]:
    """score_quantiles per temperature band of BAND_WIDTH, for bands with BAND_MIN_DRAWS draws
    or more. scores, temperatures: (N,) each, of the same draws."""
    bands = np.array([_band(t) for t in temperatures.tolist()])
    return {
        band: score_quantiles(scores[bands == band])
        for band in sorted(set(bands.tolist()))
        if (bands == band).sum() >= BAND_MIN_DRAWS
    }


def threshold_for_share(
    config: ScorerConfig, keep_share: float, *, temperature: float | None = None
) -> float:
    """The score above which about `keep_share` of unfiltered draws lie (interpolated): of
    draws at `temperature`'s band when the config holds quantiles for it, else of all draws."""
    quantiles = config.score_quantiles
    if temperature is not None:
        quantiles = config.band_quantiles.get(_band(temperature)) or quantiles
    if not quantiles:
        return 0.0
    return float(np.interp(100 * (1 - keep_share), np.arange(101), quantiles))


def artifact_bytes(net: Scorer) -> bytes:
    buffer = io.BytesIO()
    torch.save(net.state_dict(), buffer)
    return buffer.getvalue()


def load_scorer(artifact: bytes | memoryview, config: dict) -> tuple[Scorer, ScorerConfig]:
    """Rebuild a scorer; any damage to the bytes or config raises ScorerLoadError, and so does
    an artifact of a kind or representation version this code does not compute."""
    cfg = ScorerConfig.from_dict(config)
    if cfg.head not in HEADS:
        raise ScorerLoadError(f"unknown scorer head {cfg.head!r} (this code knows {HEADS})")
    if cfg.use_repr and cfg.repr_version != REPR_VERSION:
        raise ScorerLoadError(
            f"scorer trained on representation v{cfg.repr_version}, this code computes "
            f"v{REPR_VERSION}: retrain it"
        )
    try:
        net: Scorer
        if cfg.head == "linear":
            state = _load_state(artifact)
            pca_dims = state["state_basis"].shape[1]  # fewer than config.pca_dims on few faces
            net = LinearScorer(len(cfg.tabular_names()), pca_dims)
        else:
            state = _load_state(artifact)
            net = ScorerNet(cfg)
        net.load_state_dict(state)
    except Exception as exc:  # torch raises many types for damaged files; all mean "unusable"
        raise ScorerLoadError(f"unusable scorer artifact: {exc.__class__.__name__}: {exc}") from exc
    return net.eval(), cfg


def _load_state(artifact: bytes | memoryview) -> dict[str, Tensor]:
    return torch.load(io.BytesIO(bytes(artifact)), weights_only=True, map_location="cpu")
