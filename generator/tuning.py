"""Fine-tune the decoder from votes so that it *draws* more interesting faces (issue #17).

Two objectives over the teacher-forced log-likelihood of voted faces (:mod:`generator.teacher`):

- ``"dpo"`` (default): Direct Preference Optimisation (Rafailov et al. 2023). For a pair of a
  liked face w and a disliked face l the loss is ``-log sigmoid(beta * (r_w - r_l))`` with
  ``r = log pi(face) - log pi_base(face)``: the tuned model's log-likelihood ratio to the base
  is the implicit reward, and beta sets how far from the base the optimum lies (a KL-penalised
  reward maximiser, like Sequence Tutor's, without fitting a reward model first).
- ``"sft"``: maximum likelihood on the liked faces alone (the simple baseline DPO is measured
  against; ``python -m generator.tuning_eval --method sft``).

Votes are unpaired (each face liked or not), so pairs are built: every epoch each face of the
larger side is paired with a face of the smaller side, taken in a fresh random order and cycled,
so each face is used once an epoch and both sides are covered. Pairing faces that share nothing
is what DPO on unpaired labels amounts to (KTO's motivation); it works here because the reward
is a log-ratio per face, so the pair only serves to compare two faces' rewards.

What is trained (``part``): by default only the head's rows for the pen logits and the mixture
weights ("decisions": when a stroke ends, when the drawing ends, which learned move comes
next), from the base's LSTM states computed once. Training every weight, or the whole head,
moved liked and disliked faces alike by 50-100 nats of log-likelihood within a dozen Adam steps
(the offset Gaussians are very sharp) and failed the NLL rails for every taste tried.

Temperature: a face drawn at temperature τ is scored under the tempered distribution it was
sampled from when its temperature is given (``liked_temperatures``...), else at τ = 1.

Units: drawings are stroke-3 in NORMALISED units, as :func:`generator.sampling.sample_faces`
returns them. Deterministic for a given ``config.seed`` and thread count on one CPU.
"""

from __future__ import annotations

import io
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from generator.model import NUM_PEN_STATES, SketchDecoder
from generator.teacher import (
    Batch,
    drawing_log_likelihood,
    frozen,
    teacher_forced,
    trainable_copy,
    weights,
)

logger = logging.getLogger(__name__)

METHODS = ("dpo", "sft")
PARTS = ("all", "head", "decisions")


@dataclass(frozen=True)
class TuningConfig:
    """How one tuning round runs. Defaults: one setting for every taste, measured with
    ``python -m generator.tuning_eval --tastes all --seeds 3`` (see that module)."""

    method: str = "dpo"  # "dpo" (pairs of liked and disliked) or "sft" (liked only)
    # beta 0.05 and 6 epochs: the strongest of the three settings measured over the suite
    # (beta 0.1 x 2 epochs met 8 of 16 tastes, this one 10; 0.02 x 12 fell back), with the
    # rails barely moved (README, "Generator tuning over the taste suite").
    beta: float = 0.05  # DPO: inverse strength of the implicit KL penalty to the base
    lr: float = 1e-3  # Adam step size
    epochs: int = 6  # passes over the larger side (dpo) or the liked faces (sft)
    batch_size: int = 32  # pairs (dpo) or faces (sft) per optimiser step
    sft_weight: float = 1.0  # dpo: + this * NLL per step of the liked faces (keeps them likely)
    kl_weight: float = 0.0  # dpo: + this * KL(base || tuned) per step, estimated on the voted
    # faces (base samples): the rise in base-sample NLL that the rails bound (generator.rails)
    max_grad_norm: float = 1.0  # gradient clipping: one odd batch cannot wreck the weights
    use_temperature: bool = True  # score faces at their sampling temperature when it is given
    part: str = "decisions"  # weights trained: "all"; "head" (the LSTM's states are computed
    # once); "decisions": the head's pen and mixture-weight rows only (see _keep_geometry)
    seed: int = 0  # pairing and batch order

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ValueError(f"method must be one of {METHODS}, got {self.method!r}")
        if self.part not in PARTS:
            raise ValueError(f"part must be one of {PARTS}, got {self.part!r}")
        if self.epochs < 1 or self.batch_size < 1:
            raise ValueError("epochs and batch_size must be >= 1")
        if not (self.beta > 0 and self.lr > 0):
            raise ValueError("beta and lr must be > 0")


@dataclass
class TuningResult:
    decoder: SketchDecoder  # eval mode, requires_grad off, same architecture as the base
    metrics: dict[str, float]  # loss start/end, reward margin and accuracy, log-ratio drift
    seconds: float
    pairs: int  # preference pairs (dpo) or liked faces (sft) per epoch


def planned_pairs(config: TuningConfig, liked: int, disliked: int) -> int:
    """What the ``progress`` calls of :func:`tune_decoder` add up to (for a progress bar)."""
    per_epoch = max(liked, disliked) if config.method == "dpo" else liked
    return per_epoch * config.epochs


def tune_decoder(
    base: SketchDecoder,
    liked: Sequence[np.ndarray],
    disliked: Sequence[np.ndarray],
    *,
    config: TuningConfig = TuningConfig(),
    progress: Callable[[int], object] | None = None,
    liked_temperatures: Sequence[float] | None = None,
    disliked_temperatures: Sequence[float] | None = None,
) -> TuningResult:
    """A fine-tuned copy of ``base`` (left untouched) that draws liked-like faces more often.

    liked / disliked: stroke-3 float arrays, NORMALISED units. *_temperatures: the temperature
    each face was drawn at (optional; see the module docstring). progress: called after each
    optimiser step with the pairs (or faces) it trained on; they add up to
    :func:`planned_pairs`. Raises ValueError when a side the method needs is empty.
    """
    started = time.perf_counter()
    if not liked or (config.method == "dpo" and not disliked):
        raise ValueError(f"{config.method} needs liked faces and, for dpo, disliked faces")
    sides = [
        VotedFaces.of(base, faces, temps, config)
        for faces, temps in ((liked, liked_temperatures), (disliked, disliked_temperatures))
    ]
    result = tune_prepared(base, *sides, config=config, progress=progress)
    result.seconds = time.perf_counter() - started
    return result


def tune_prepared(
    base: SketchDecoder,
    liked: VotedFaces,
    disliked: VotedFaces,
    *,
    config: TuningConfig = TuningConfig(),
    progress: Callable[[int], object] | None = None,
) -> TuningResult:
    """:func:`tune_decoder` on faces already read by the base (:meth:`VotedFaces.of`, with the
    same ``config``): an offline evaluation reads its faces once for many tastes."""
    started = time.perf_counter()
    if not len(liked) or (config.method == "dpo" and not len(disliked)):
        raise ValueError(f"{config.method} needs liked faces and, for dpo, disliked faces")
    sides = [liked, disliked]
    torch.manual_seed(config.seed)  # nothing random in torch today; cheap insurance
    rng = np.random.default_rng(config.seed)
    decoder = trainable_copy(base)
    trained = weights(decoder) if config.part == "all" else weights(decoder)[2:]
    optimiser = torch.optim.Adam(trained, lr=config.lr)
    history: list[dict[str, float]] = []
    for epoch in range(config.epochs):
        for win, lose in _batches(rng, sides, config):
            optimiser.zero_grad(set_to_none=True)
            loss, figures = _loss(decoder, sides, win, lose, config)
            loss.backward()
            if config.part == "decisions":
                _keep_geometry(decoder)
            torch.nn.utils.clip_grad_norm_(trained, config.max_grad_norm)
            optimiser.step()
            history.append(figures | {"epoch": float(epoch)})
            if progress is not None:
                progress(len(win))
    metrics = _summarise(history, config)
    seconds = time.perf_counter() - started
    logger.info("tuned (%s) in %.1f s: %s", config.method, seconds, metrics)
    pairs = planned_pairs(config, *map(len, sides)) // config.epochs
    return TuningResult(frozen(decoder), metrics, seconds, pairs)


@dataclass(frozen=True)
class VotedFaces:
    """Liked (or disliked) faces with what training needs of each, read by the base once."""

    faces: list[np.ndarray]
    temperature: np.ndarray  # (N,) float32: 1.0 where not known or not used
    reference: np.ndarray  # (N,) float64 base log-likelihood, at the same temperature
    states: list[Tensor]  # part "head": each face's LSTM states (n + 1, H) float32, else []

    def __len__(self) -> int:
        return len(self.faces)

    def take(self, indices: np.ndarray) -> VotedFaces:
        """The faces at ``indices`` (k,) int, in that order."""
        pick = [int(k) for k in indices]
        states = [self.states[k] for k in pick] if self.states else []
        return VotedFaces([self.faces[k] for k in pick], self.temperature[pick],
                          self.reference[pick], states)  # fmt: skip

    @classmethod
    def of(
        cls,
        base: SketchDecoder,
        faces: Sequence[np.ndarray],
        temperatures: Sequence[float] | None,
        config: TuningConfig,
    ) -> VotedFaces:
        arrays = [_checked(k, f) for k, f in enumerate(faces)]
        temps = np.ones(len(arrays), np.float32)
        if temperatures is not None and config.use_temperature:
            if len(temperatures) != len(arrays):
                raise ValueError("one temperature per face, please")
            temps = np.asarray(temperatures, np.float32)
            if not (temps > 0).all():
                raise ValueError("temperatures must be > 0")
        reference = np.zeros(len(arrays))
        states: list[Tensor] = []
        head_only = config.part != "all"
        with torch.no_grad():
            for start in range(0, len(arrays), 256):
                part = slice(start, start + 256)
                batch = Batch.of(arrays[part], temps[part].tolist())
                z, h = teacher_forced(base, batch.inputs.to(base.head.weight.device))
                if head_only:  # kept in float32: 2,000 faces take ~400 MB
                    # (float16 states moved a face's tempered log-likelihood by up to 23 nats)
                    lengths = batch.valid.sum(dim=1).tolist()
                    states += [h[k, :n].clone() for k, n in enumerate(lengths)]  # (n + 1, H)
                ll = drawing_log_likelihood(z, batch, use_temperature=True)  # (b,)
                reference[part] = ll.cpu().numpy()
        return cls(arrays, temps, reference, states)


def _checked(index: int, face: np.ndarray) -> np.ndarray:
    arr = np.asarray(face, np.float64)
    if arr.ndim != 2 or arr.shape[1] != 3 or not np.isfinite(arr).all():
        raise ValueError(f"face {index}: expected finite stroke-3 (n, 3), got shape {arr.shape}")
    return arr


def _batches(
    rng: np.random.Generator, sides: list[VotedFaces], config: TuningConfig
) -> list[tuple[np.ndarray, np.ndarray]]:
    """One epoch of (liked indices (b,), disliked indices (b,)) batches; see the docstring."""
    liked, disliked = sides
    if config.method == "sft":
        order = rng.permutation(len(liked))
        return [
            (order[s : s + config.batch_size], np.zeros(0, np.int64))
            for s in range(0, len(order), config.batch_size)
        ]
    pairs = max(len(liked), len(disliked))

    def cycled(n: int) -> np.ndarray:  # each face once, then again in a new order
        rounds = -(-pairs // n)
        return np.concatenate([rng.permutation(n) for _ in range(rounds)])[:pairs]

    win, lose = cycled(len(liked)), cycled(len(disliked))
    return [
        (win[s : s + config.batch_size], lose[s : s + config.batch_size])
        for s in range(0, pairs, config.batch_size)
    ]


def _log_ratios(
    decoder: SketchDecoder, sides: list[VotedFaces], win: np.ndarray, lose: np.ndarray
) -> tuple[Tensor, Tensor, Tensor]:
    """(log-ratio to base (b + b',), steps (b + b',), log-likelihood) of win then lose faces."""
    liked, disliked = sides
    faces = [liked.faces[k] for k in win] + [disliked.faces[k] for k in lose]
    temps = np.concatenate([liked.temperature[win], disliked.temperature[lose]])
    reference = np.concatenate([liked.reference[win], disliked.reference[lose]])
    batch = Batch.of(faces, temps.tolist())
    if liked.states:  # head only: the base's LSTM states, padded to the batch's length
        saved = [liked.states[k] for k in win] + [disliked.states[k] for k in lose]
        h = torch.nn.utils.rnn.pad_sequence(saved, batch_first=True)  # (B, T, H)
        z = decoder.head(h.to(decoder.head.weight.device))  # (B, T, 123)
    else:
        z, _ = teacher_forced(decoder, batch.inputs.to(decoder.head.weight.device))  # (B, T, 123)
    ll = drawing_log_likelihood(z, batch, use_temperature=True)  # (B,) float64
    steps = batch.valid.sum(dim=1).to(ll)  # (B,)
    return ll - torch.from_numpy(reference).to(ll), steps, ll


def _loss(
    decoder: SketchDecoder,
    sides: list[VotedFaces],
    win: np.ndarray,
    lose: np.ndarray,
    config: TuningConfig,
) -> tuple[Tensor, dict[str, float]]:
    ratio, steps, ll = _log_ratios(decoder, sides, win, lose)  # (B,) each
    n, seen = len(win), ratio.detach()
    liked_nll = -(ll[:n] / steps[:n]).mean()  # NLL per step of the liked faces
    if config.method == "sft":
        return liked_nll, {"loss": liked_nll.item(), "liked_ratio": float(seen[:n].mean())}
    margin = config.beta * (ratio[:n] - ratio[n:])  # (b,) implicit reward margins
    # The faces were drawn by the base, so minus their mean log-ratio per step estimates
    # KL(base || tuned) per step: DPO alone lets liked and disliked faces drift down together.
    kl = -(ratio / steps).mean()
    loss = -F.logsigmoid(margin).mean() + config.sft_weight * liked_nll + config.kl_weight * kl
    shown = margin.detach()
    return loss, {
        "loss": loss.item(),
        "margin": float(shown.mean()),
        "accuracy": float((shown > 0).double().mean()),
        "liked_ratio": float(seen[:n].mean()),
        "disliked_ratio": float(seen[n:].mean()),
        "kl_per_step": kl.item(),
    }


def _keep_geometry(decoder: SketchDecoder) -> None:
    """Zero the gradient of the head rows for the offsets' means, sigmas and correlations.

    Why: at sampling temperatures the offset Gaussians are very sharp, so a head change of
    ~0.002 in those rows (what a dozen Adam steps make) cost liked and disliked faces alike
    50-100 nats of log-likelihood, failing the NLL rails for every taste. The pen and mixture
    weight logits decide when strokes end, where the pen lifts and which of the learned moves
    comes next (what the tastes read); a softmax over them changes smoothly. Adam leaves
    weights whose gradient is always zero exactly where they were.
    """
    decisions = NUM_PEN_STATES + decoder.num_mixture  # rows: pen logits (3), pi logits (M)
    for tensor in (decoder.head.weight, decoder.head.bias):
        assert tensor.grad is not None
        tensor.grad[decisions:] = 0.0  # (123 - 23, ...) geometry rows


def _summarise(history: list[dict[str, float]], config: TuningConfig) -> dict[str, float]:
    """Training figures: the first and last tenth of the steps, averaged (less batch noise)."""
    tenth = max(1, len(history) // 10)
    metrics: dict[str, float] = {"steps": float(len(history)), "epochs": float(config.epochs)}
    for name in history[0]:
        if name == "epoch":
            continue
        metrics[f"{name}_start"] = float(np.mean([h[name] for h in history[:tenth]]))
        metrics[f"{name}_end"] = float(np.mean([h[name] for h in history[-tenth:]]))
    return metrics


def decoder_state_bytes(decoder: SketchDecoder) -> bytes:
    """The decoder's weights as ``torch.save(state_dict)`` bytes (what a version stores)."""
    buffer = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in decoder.state_dict().items()}, buffer)
    return buffer.getvalue()


def decoder_from_state_bytes(base: SketchDecoder, data: bytes) -> SketchDecoder:
    """A copy of ``base`` with the weights in ``data`` (from :func:`decoder_state_bytes`).

    Loaded with ``weights_only=True``. Raises ValueError when the bytes do not unpickle to a
    state dict with exactly ``base``'s names and shapes. Eval mode, requires_grad off.
    """
    try:
        state = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except Exception as err:  # torch raises many kinds (pickle, zip, runtime) for bad bytes
        raise ValueError(f"not decoder weights: {err}") from None
    expected = base.state_dict()
    if not isinstance(state, dict) or set(state) != set(expected):
        raise ValueError("not decoder weights: the names differ from the base decoder's")
    for name, tensor in expected.items():
        got = state[name]
        if not isinstance(got, Tensor) or got.shape != tensor.shape or got.dtype != tensor.dtype:
            raise ValueError(f"not decoder weights: {name} has the wrong shape or dtype")
        if not torch.isfinite(got).all():
            raise ValueError(f"not decoder weights: {name} holds non-finite values")
    decoder = trainable_copy(base)
    decoder.load_state_dict(state)
    return frozen(decoder)
