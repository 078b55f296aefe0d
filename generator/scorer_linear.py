"""The representation scorer: a regularised logistic regression over three balanced blocks.

Blocks, each standardised on the training faces and then divided by sqrt(its width), so that
under one L2 penalty every block may move the logit about as much as any other (a 128-wide
block would otherwise drown an 18-wide one, whatever the taste):

- the tabular row (drawing statistics, NLL statistics, temperature; generator.features);
- the layout grids of generator.representation (where the ink and the strokes are);
- the decoder's pooled states, reduced by PCA to ``pca_dims`` components fitted on the
  training faces plus unlabelled recent draws (no labels needed, so ~200 votes suffice).

The penalty is chosen by 3-fold cross-validation on the training faces (weighted AUC), from a
fixed grid, so nothing is tuned to a particular taste. Fitting is Newton's method in float64;
at most CV_MAX_FACES faces take part in the cross-validation, so 100,000 faces train in seconds.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor, nn

from generator.representation import LAYOUT_WIDTH, REPR_WIDTH, STATE_WIDTH
from generator.scorer_metrics import weighted_auc

if TYPE_CHECKING:
    from generator.scorer import FeatureBatch, ScorerConfig

L2_GRID = (1e-3, 3e-3, 1e-2, 3e-2, 1e-1, 3e-1)  # penalties tried (per face: loss is a mean)
CV_FOLDS = 3
CV_MAX_FACES = 20_000  # cross-validation on a sample of this many faces at most
_MAX_ITER = 50  # Newton steps at most: ten or so suffice on these convex problems


class LinearScorer(nn.Module):
    """(tabular (N, D), repr (N, REPR_WIDTH)) -> (N,) logits; all parameters are buffers or
    one nn.Linear, so a state_dict round-trips through torch.load(weights_only=True)."""

    tab_mean: Tensor  # (D,) buffers, declared for the type checker
    tab_scale: Tensor  # (D,) std * sqrt(D): standardise, then balance the block
    lay_mean: Tensor  # (LAYOUT_WIDTH,)
    lay_scale: Tensor
    state_mean: Tensor  # (STATE_WIDTH,)
    state_basis: Tensor  # (STATE_WIDTH, K) PCA directions divided by their std * sqrt(K)

    def __init__(self, tabular_width: int, pca_dims: int) -> None:
        super().__init__()
        for name, width in (("tab", tabular_width), ("lay", LAYOUT_WIDTH)):
            self.register_buffer(f"{name}_mean", torch.zeros(width, dtype=torch.float64))
            self.register_buffer(f"{name}_scale", torch.ones(width, dtype=torch.float64))
        self.register_buffer("state_mean", torch.zeros(STATE_WIDTH, dtype=torch.float64))
        self.register_buffer("state_basis", torch.zeros(STATE_WIDTH, pca_dims, dtype=torch.float64))
        self.linear = nn.Linear(tabular_width + LAYOUT_WIDTH + pca_dims, 1, dtype=torch.float64)

    def inputs(self, tabular: Tensor, rep: Tensor) -> Tensor:
        """(N, D) and (N, REPR_WIDTH) -> (N, D + LAYOUT_WIDTH + K) balanced float64 inputs."""
        tabular, rep = tabular.double(), rep.double()
        states, lay = rep[:, :STATE_WIDTH], rep[:, STATE_WIDTH:]  # (N, S), (N, L)
        return torch.cat(
            [
                (tabular - self.tab_mean) / self.tab_scale,
                (lay - self.lay_mean) / self.lay_scale,
                (states - self.state_mean) @ self.state_basis,  # (N, K)
            ],
            dim=1,
        )

    def forward(self, tabular: Tensor, rep: Tensor) -> Tensor:
        return self.linear(self.inputs(tabular, rep)).squeeze(1)  # (N,) logits


def _balanced_scale(x: Tensor) -> tuple[Tensor, Tensor]:
    """Mean and scale (std * sqrt(width)) of a block; a constant column keeps unit std."""
    std = x.std(0) if len(x) > 1 else torch.ones(x.shape[1], dtype=x.dtype)
    std = torch.where(std > 1e-6, std, torch.ones_like(std))
    return x.mean(0), std * math.sqrt(x.shape[1])


def _pca_basis(states: Tensor, dims: int) -> tuple[Tensor, Tensor]:
    """Mean (S,) and basis (S, dims) whose projections have std 1 / sqrt(dims)."""
    mean = states.mean(0)
    centred = states - mean  # (M, S)
    # Directions from the covariance (S x S, small); eigh returns ascending eigenvalues.
    values, vectors = torch.linalg.eigh(centred.T @ centred / max(len(states) - 1, 1))
    values, vectors = values.flip(0)[:dims], vectors.flip(1)[:, :dims]  # (K,), (S, K)
    # Fix each direction's sign (eigh's is arbitrary): its largest loading positive.
    signs = torch.sign(vectors.gather(0, vectors.abs().argmax(0, keepdim=True)))  # (1, K)
    vectors = vectors * signs
    basis = vectors / (values.clamp_min(1e-12).sqrt() * math.sqrt(dims))  # (S, K)
    return mean, torch.where(values > 1e-9, basis, torch.zeros_like(basis))


def _fit(x: Tensor, y: Tensor, w: Tensor, l2: float) -> tuple[Tensor, Tensor]:
    """Weighted logistic regression on soft labels y (N,) in [0, 1], weights w (N,):
    minimise sum_i w_i CE(y_i, sigmoid(x_i . coef + bias)) / sum w + l2 / 2 |coef|^2.

    Newton's method (iteratively reweighted least squares): the problem is convex and has
    D + 1 <= ~100 unknowns, so a (D + 1)^2 system a step converges in about ten steps, with no
    learning rate to choose. The bias is not penalised.
    """
    n, d = x.shape
    design = torch.cat([x, torch.ones(n, 1, dtype=x.dtype)], dim=1)  # (N, D + 1)
    w = w / w.sum()
    penalty = torch.full((d + 1,), l2, dtype=x.dtype)
    penalty[d] = 0.0  # the bias

    def objective(theta: Tensor) -> float:
        logits = design @ theta
        loss = nn.functional.binary_cross_entropy_with_logits(logits, y, weight=w, reduction="sum")
        return float(loss + 0.5 * (penalty * theta * theta).sum())

    theta = torch.zeros(d + 1, dtype=x.dtype)
    current = objective(theta)
    for _ in range(_MAX_ITER):
        p = torch.sigmoid(design @ theta)  # (N,)
        grad = design.T @ (w * (p - y)) + penalty * theta  # (D + 1,)
        curvature = (w * p * (1 - p)).clamp_min(1e-12)  # (N,)
        hessian = design.T @ (design * curvature[:, None]) + torch.diag(penalty + 1e-9)
        step = torch.linalg.solve(hessian, grad)  # (D + 1,)
        # Halve the step while it does not lower the objective (Newton can overshoot when
        # the classes are nearly separable and the penalty is small).
        for _ in range(30):
            trial = objective(theta - step)
            if trial <= current:
                break
            step = step / 2
        theta, current = theta - step, min(trial, current)
        if float(step.abs().max()) < 1e-7:
            break
    return theta[:d], theta[d:]


def _choose_l2(x: Tensor, y: Tensor, w: Tensor, seed: int) -> float:
    """The penalty of L2_GRID with the best mean weighted AUC over CV_FOLDS folds."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(len(x))[:CV_MAX_FACES]
    folds = np.array_split(order, CV_FOLDS)
    best, best_auc = L2_GRID[-1], -1.0
    for l2 in sorted(L2_GRID, reverse=True):  # strongest first: a tie keeps the simpler model
        aucs = []
        for k, held in enumerate(folds):
            fit = np.concatenate([f for j, f in enumerate(folds) if j != k])
            coef, bias = _fit(x[fit], y[fit], w[fit], l2)
            scores = (x[held] @ coef + bias).numpy()
            auc = weighted_auc(y[held].numpy(), w[held].numpy(), scores)
            aucs.append(0.5 if math.isnan(auc) else auc)
        if np.mean(aucs) > best_auc + 1e-9:
            best, best_auc = l2, float(np.mean(aucs))
    return best


def train_linear(
    config: ScorerConfig,
    batch: FeatureBatch,
    labels: np.ndarray,
    weights: np.ndarray,
    unlabelled: FeatureBatch | None = None,
) -> LinearScorer:
    """Fit a :class:`LinearScorer` on soft labels (N,) with weights (N,); see the module
    docstring. ``unlabelled`` faces (recent draws) only widen the PCA of the states."""
    if batch.repr is None:
        raise ValueError("the linear scorer reads the representation: pass batch.repr")
    if len(batch) == 0:
        raise ValueError("no training faces")
    torch.manual_seed(config.seed)
    tab = torch.from_numpy(np.asarray(batch.tabular, np.float64))  # (N, D)
    rep = torch.from_numpy(np.asarray(batch.repr, np.float64))  # (N, REPR_WIDTH)
    if rep.shape[1] != REPR_WIDTH:
        raise ValueError(f"representation rows have {rep.shape[1]} values, not {REPR_WIDTH}")
    states = rep[:, :STATE_WIDTH]
    if unlabelled is not None and unlabelled.repr is not None and len(unlabelled):
        more = torch.from_numpy(np.asarray(unlabelled.repr[:, :STATE_WIDTH], np.float64))
        states = torch.cat([states, more])
    dims = max(1, min(config.pca_dims, len(states) - 1, STATE_WIDTH))
    net = LinearScorer(tab.shape[1], dims)
    with torch.no_grad():
        net.tab_mean.copy_(_balanced_scale(tab)[0])
        net.tab_scale.copy_(_balanced_scale(tab)[1])
        net.lay_mean.copy_(_balanced_scale(rep[:, STATE_WIDTH:])[0])
        net.lay_scale.copy_(_balanced_scale(rep[:, STATE_WIDTH:])[1])
        mean, basis = _pca_basis(states, dims)
        net.state_mean.copy_(mean)
        net.state_basis.copy_(basis)
        x = net.inputs(tab, rep)  # (N, D + L + K)
    y = torch.from_numpy(np.clip(np.asarray(labels, np.float64), 0.0, 1.0))
    w = torch.from_numpy(np.asarray(weights, np.float64)).clamp_min(0.0)
    if float(w.sum()) <= 0:
        raise ValueError("training weights sum to zero")
    l2 = config.l2 or _choose_l2(x, y, w, config.seed)
    config.l2 = l2  # recorded in the artifact's config
    coef, bias = _fit(x, y, w, l2)
    with torch.no_grad():
        net.linear.weight.copy_(coef.view(1, -1))
        net.linear.bias.copy_(bias)
    return net.eval()
