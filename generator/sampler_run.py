"""The working batch behind :func:`generator.sampling.sample_faces`: one call's slots, refilled
with pending seeds as faces finish, then compacted.

Each row of the batch is one face in progress; its random draws come from the face's own stream
(``generator.rng``), addressed by the face's step index, and the batch always has a multiple of
:data:`ROW_ALIGN` rows, so a face does not depend on the slot it lands in (the reproducibility
contract in :mod:`generator.sampling`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import torch
from torch import Tensor

from generator import rng
from generator.likelihood import step_nll
from generator.mixture_draw import draw_point
from generator.precision import BFLOAT16, FLOAT32
from generator.representation import StatePool
from generator.step import DecoderStep

if TYPE_CHECKING:
    from generator.sampling import StartState  # sampling builds on this module

# Working-batch rows are a multiple of this, per precision: row-invariant kernels (see the
# generator.sampling docstring).
ROW_ALIGN = {FLOAT32: 16, BFLOAT16: 32}
PEN_DOWN, PEN_LIFT, PEN_END = 0, 1, 2  # indices of p1, p2, p3 in stroke-5 and the pen logits
_DRAWS_PER_STEP = 4  # uniforms per face-step: component, pen state, two for Box-Muller


@dataclass
class _Slots:
    """Working batch: R rows, each one face in progress (or idle padding, ``face == -1``)."""

    xh: Tensor  # (R, 5 + H [+ 1]) matmul dtype: stroke-5 input | h (| 1), see DecoderStep
    c: Tensor  # (R, H) float32 cell state
    keys: Tensor  # (R,) int64 random-stream key of the face in the row
    steps: Tensor  # (R,) int64 points drawn so far by that face
    face: Tensor  # (R,) int64 index into ``seeds``; -1 for idle rows
    record: Tensor  # (R, L, 3) float32 drawn (dx, dy, pen index) per step
    # (R, L + 1) float64 NLL of each step's point, the end state's after a cut face's last
    # point (L = -1, no columns, unless NLL is tracked); see _point_nll.
    nll: Tensor

    def select(self, rows: Tensor) -> _Slots:
        return _Slots(*(t.index_select(0, rows) for t in vars(self).values()))


def _new_slots(
    rows: int, step: DecoderStep, max_len: int, device: torch.device, *, track_nll: bool = False
) -> _Slots:
    hidden = step.hidden_size
    return _Slots(
        xh=step.new_inputs(rows),  # every row at the start token S0 = [0, 0, 1, 0, 0]
        c=torch.zeros(rows, hidden, device=device),
        keys=torch.zeros(rows, dtype=torch.int64, device=device),
        steps=torch.zeros(rows, dtype=torch.int64, device=device),
        face=torch.full((rows,), -1, dtype=torch.int64, device=device),
        record=torch.zeros(rows, max_len, 3, device=device),
        nll=torch.zeros(rows, max_len + 1 if track_nll else 0, dtype=torch.float64, device=device),
    )


def _point_nll(z: Tensor, point: Tensor) -> Tensor:
    """(k,) float64 NLL of each row's point (dx, dy, pen index) (k, 3) under head output z
    (k, 123), as drawing_nll counts a step: offset and pen terms, the pen term alone for the
    end state. Computed as the face is drawn, so no step's head output has to be kept; in
    float32, which agrees with drawing_nll's float64 to about 3e-6 at a fifth of the cost."""
    offset_nll, pen_nll = step_nll(z[:, None], point[:, None], dtype=torch.float32)  # (k, 1)
    per_step = offset_nll.masked_fill(point[:, None, 2] == PEN_END, 0.0) + pen_nll
    return per_step.squeeze(1).double()  # stored and summed in float64, as drawing_nll's


def _start_faces(
    slots: _Slots,
    step: DecoderStep,
    rows: Tensor,
    faces: Tensor,
    seeds: Tensor,
    start: StartState | None = None,
) -> None:
    """Reset ``rows`` to the zero state and start token (or to ``start``), for faces ``faces``
    with ``seeds``."""
    step.reset_inputs(slots.xh, rows)
    slots.c[rows] = 0.0
    if start is not None:
        slots.xh[rows, :5] = start.x.to(slots.xh.dtype)
        slots.xh[rows, 5 : 5 + step.hidden_size] = start.h.to(slots.xh.dtype)
        slots.c[rows] = start.c
    slots.steps[rows] = 0
    slots.face[rows] = faces
    slots.keys[rows] = rng.face_keys(seeds)


def _to_stroke3(record: np.ndarray, length: int) -> np.ndarray:
    """record (L, 3) of (dx, dy, pen index) -> stroke-3 (length, 3) float32, last pen lifted."""
    stroke3 = record[:length].copy()
    stroke3[:, 2] = stroke3[:, 2] == PEN_LIFT
    if length:
        stroke3[-1, 2] = 1.0  # the last point ends the final stroke
    return stroke3


def _round_up(n: int, align: int) -> int:
    return -(-n // align) * align


class SamplerRun:
    """One :func:`~generator.sampling.sample_faces` call: a working batch that is refilled,
    then compacted."""

    def __init__(
        self,
        step: DecoderStep,
        seeds: Tensor,  # (N,) int64
        max_len: int,
        batch_size: int,
        device: torch.device,
        *,
        track_nll: bool = False,
        start: StartState | None = None,
        pool_states: bool = False,
    ) -> None:
        self.seeds, self.max_len, self.device = seeds, max_len, device
        self.track_nll, self.start = track_nll, start
        self.step = step
        self.align = ROW_ALIGN[step.precision]
        self.pen_ids = torch.arange(3, device=device)  # (3,) for the one-hot pen input
        self.words = rng.counter_words(max_len, _DRAWS_PER_STEP, device)  # (L, 4) face-independent
        capacity = min(batch_size, len(seeds))
        self.slots = _new_slots(
            _round_up(capacity, self.align), step, max_len, device, track_nll=track_nll
        )
        first = torch.arange(capacity, device=device)
        _start_faces(self.slots, step, first, first, seeds[:capacity], start)
        self.next_face = capacity  # index into seeds of the next face to start
        self.results: list[np.ndarray | None] = [None] * len(seeds)
        self.nlls: list[np.ndarray | None] = [None] * len(seeds)
        self.pooled: list[np.ndarray | None] = [None] * len(seeds)
        # Primed faces are not pooled: the prime's states were read before the call.
        rows = self.slots.xh.shape[0]
        self.pool = StatePool(rows, step.hidden_size, device) if pool_states and not start else None
        self.row_steps = 0  # rows computed, padding included (for the debug log)

    def sample(
        self, temperature: float, softmax: float | None, progress: Callable[[int], object] | None
    ) -> list[np.ndarray]:
        slots = self.slots
        rows_now = torch.arange(slots.xh.shape[0], device=self.device)  # (R,)
        gates, gates_lo = self.step.gate_buffers(len(rows_now))  # (R, 4H) each
        while True:
            z = self.step.run(slots.xh, slots.c, gates, gates_lo)  # (R, 123); h into xh[:, 5:]
            step_ids = slots.steps.clamp(max=self.max_len - 1)  # (R,) idle rows run past L
            u = rng.uniforms_from_words(slots.keys, self.words[step_ids])  # (R, 4)
            dx, dy, pen = draw_point(z, u, temperature, softmax)  # (R,) each
            if self.pool is not None:
                self._pool_step(slots, pen, gates)
            point = torch.stack([dx, dy, pen.to(dx.dtype)], dim=1)  # (R, 3)
            slots.record[rows_now, step_ids] = point
            if self.track_nll:
                slots.nll[rows_now, step_ids] = _point_nll(z, point)  # (R,)
            slots.xh[:, :2] = point[:, :2]  # next input: this point as stroke-5
            slots.xh[:, 2:5] = pen[:, None] == self.pen_ids  # (R, 3) one-hot p1, p2, p3
            slots.steps += 1
            self.row_steps += len(rows_now)
            done = (slots.face >= 0) & ((pen == PEN_END) | (slots.steps >= self.max_len))  # (R,)
            if not bool(done.any()):  # one host sync per step: cheap on CPU, needed to refill
                continue
            cut = done & (pen != PEN_END)  # (R,) faces that reached max_seq_len
            if (self.track_nll or self.pool is not None) and bool(cut.any()):
                last_z = self._read_last_points(cut)
                if self.track_nll:
                    self._cut_nlls(cut.nonzero().squeeze(1), z, last_z, point)
            finished = self._collect(done.nonzero().squeeze(1), pen)
            if progress is not None:
                progress(finished)
            if self.next_face < len(self.seeds):
                continue
            if not bool((slots.face >= 0).any()):
                break
            slots = self._compact()
            rows_now = rows_now[: slots.xh.shape[0]]
            gates = gates[: slots.xh.shape[0]]
            gates_lo = None if gates_lo is None else gates_lo[: slots.xh.shape[0]]
        return [face for face in self.results if face is not None]

    def _pool_step(self, slots: _Slots, pen: Tensor, gates: Tensor) -> None:
        """Fold in the state that just read each row's input: S0 at step 0 (not a point), else
        the face's previous point, which lifted the pen if its input says p2 or if the face
        ends now (a drawing's last point always ends its stroke). gates (R, 4H): this step's,
        whose j block the cell update left holding sigmoid(2c) (rnn.lstm_update_)."""
        assert self.pool is not None
        hidden = self.step.hidden_size
        h = slots.xh[:, 5 : 5 + hidden].float()  # (R, H)
        is_point = (slots.steps > 0) & (slots.face >= 0)  # (R,)
        is_lift = (slots.xh[:, 3] > 0.5) | (pen == PEN_END)  # (R,) p2 of the input
        sigmoid_2c = gates[: len(h), hidden : 2 * hidden]  # (R, H)
        self.pool.update(h, slots.c, is_point, is_lift, sigmoid_2c=sigmoid_2c)

    def _read_last_points(self, cut: Tensor) -> Tensor:
        """One more step for faces cut at max_seq_len (``cut`` (R,) bool): it reads each cut
        face's last point with the pen lifted, as the stored drawing ends (its last point
        always ends its stroke) and as a teacher-forced pass reads it. Its state is pooled and
        its head output returned, z (R, 123) (rows of cut faces only), for the end state's NLL
        term: cut faces get their NLL and pooled states from drawing too, not from a second
        decoder pass over all max_seq_len steps. Only the cut rows run, copied into a batch of
        their own (padded to the row alignment, so each row computes as in the working batch)."""
        rows = cut.nonzero().squeeze(1)  # (k,)
        padded = _round_up(len(rows), self.align)
        take = torch.cat([rows, rows[:1].expand(padded - len(rows))])  # (padded,) pad: a copy
        xh = self.slots.xh.index_select(0, take)  # (padded, 5 + H [+ 1]) the input: last point
        c = self.slots.c.index_select(0, take)  # (padded, H)
        xh[:, 2:5] = torch.tensor([0.0, 1.0, 0.0], dtype=xh.dtype, device=xh.device)  # p2
        gates, gates_lo = self.step.gate_buffers(padded)
        z_cut = self.step.run(xh, c, gates, gates_lo)[: len(rows)]  # (k, 123)
        z = torch.zeros(len(cut), z_cut.shape[1], device=z_cut.device)  # (R, 123)
        z[rows] = z_cut
        if self.pool is not None:
            hidden = self.step.hidden_size
            h_all = torch.zeros(len(cut), hidden, device=z.device)  # (R, H): masked by `cut`
            c_all = torch.zeros_like(h_all)
            h_all[rows] = xh[: len(rows), 5 : 5 + hidden].float()  # after the lifted point
            c_all[rows] = c[: len(rows)]
            self.pool.update(h_all, c_all, cut, cut)
        return z

    def _cut_nlls(self, rows: Tensor, z: Tensor, last_z: Tensor, point: Tensor) -> None:
        """NLL terms of faces cut at max_seq_len (rows (c,)) as their stored drawings read: the
        last point with the pen lifted (z (R, 123), point (R, 3): this step's), then the end
        state, read from :meth:`_read_last_points`'s head output last_z (R, 123)."""
        lifted = point[rows].clone()  # (c, 3)
        lifted[:, 2] = PEN_LIFT  # the stored last point ends its stroke
        last = self.max_len - 1
        self.slots.nll[rows, last] = _point_nll(z[rows], lifted)
        end = torch.zeros_like(lifted)  # (c, 3) the end state: pen term only
        end[:, 2] = PEN_END
        self.slots.nll[rows, last + 1] = _point_nll(last_z[rows], end)

    def _collect(self, rows: Tensor, pen: Tensor) -> int:
        """Store the faces that finished in ``rows`` (k,) and refill those rows if seeds remain."""
        slots = self.slots
        lengths = slots.steps[rows] - (pen[rows] == PEN_END).long()  # end state is not a point
        records = slots.record[rows].cpu().numpy()  # (k, L, 3)
        faces = slots.face[rows].tolist()
        for face, length, record in zip(faces, lengths.tolist(), records, strict=True):
            self.results[face] = _to_stroke3(record, length)
        if self.track_nll:  # the points, then the end state
            nlls = slots.nll[rows].cpu().numpy()  # (k, L + 1)
            for face, length, nll in zip(faces, lengths.tolist(), nlls, strict=True):
                self.nlls[face] = nll[: length + 1].copy()
        if self.pool is not None:
            pooled = self.pool.take(rows).cpu().numpy()  # (k, len(POOLS) * H)
            for face, row in zip(faces, pooled, strict=True):
                self.pooled[face] = row
            self.pool.reset(rows)
        slots.face[rows] = -1
        take = min(len(rows), len(self.seeds) - self.next_face)
        if take > 0:
            new = torch.arange(self.next_face, self.next_face + take, device=self.device)
            _start_faces(
                slots,
                self.step,
                rows[:take],
                new,
                self.seeds[self.next_face : self.next_face + take],
                self.start,
            )
            self.next_face += take
        return len(faces)

    def _compact(self) -> _Slots:
        """No seeds pending: keep live rows only (plus idle ones up to the row alignment)."""
        live = (self.slots.face >= 0).nonzero().squeeze(1)
        target = _round_up(len(live), self.align)
        if target < self.slots.xh.shape[0]:
            idle = (self.slots.face < 0).nonzero().squeeze(1)[: target - len(live)]
            keep = torch.cat([live, idle])
            self.slots = self.slots.select(keep)
            if self.pool is not None:
                self.pool.select(keep)
        return self.slots
