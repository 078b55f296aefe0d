"""The sketch-rnn .npz reads back with numpy and through Magenta's DataLoader conventions."""

from __future__ import annotations

import io

import numpy as np
import pytest
from django.core.management import call_command

from generator.strokes import stroke5_to_stroke3
from tests.exports.expected import expected_majority, expected_split, strokes_of
from tests.exports.magenta_loader import load_dataset

pytestmark = pytest.mark.django_db

SPLITS = ("train", "valid", "test")


@pytest.fixture
def exported(dataset, tmp_path):
    out = tmp_path / "npz"
    call_command("export_dataset", "--format", "npz", "--out", str(out), stderr=io.StringIO(),
                 stdout=io.StringIO())  # fmt: skip
    return out


def _by_split(dataset):
    faces: dict[str, list] = {name: [] for name in SPLITS}
    for face in dataset.exported():
        faces[expected_split(face.pk)].append(face)
    return faces


def test_splits_hold_the_selected_faces_with_their_strokes_and_labels(dataset, exported):
    data = np.load(exported / "faces.npz", encoding="latin1", allow_pickle=True)
    names = list(data["label_names"])
    for split, faces in _by_split(dataset).items():
        drawings = data[split]
        assert drawings.dtype == object and len(drawings) == len(faces)
        assert data[f"{split}_id"].tolist() == [f.pk for f in faces]
        for drawing, face in zip(drawings, faces, strict=True):
            assert drawing.dtype == np.int16 and drawing.shape == (face.num_points, 3)
            np.testing.assert_array_equal(drawing, strokes_of(face))
        assert data[f"{split}_interesting"].tolist() == [f.interesting_count for f in faces]
        assert data[f"{split}_boring"].tolist() == [f.boring_count for f in faces]
        labels = [names[code] for code in data[f"{split}_label"]]
        assert labels == [expected_majority(f) for f in faces]


def test_the_flat_companion_holds_the_same_data_without_pickles(exported):
    objects = np.load(exported / "faces.npz", encoding="latin1", allow_pickle=True)
    flat = np.load(exported / "faces.flat.npz", allow_pickle=False)
    for split in SPLITS:
        points, offsets = flat[f"{split}_points"], flat[f"{split}_offsets"]
        assert points.dtype == np.int16 and offsets[0] == 0 and offsets[-1] == len(points)
        assert len(offsets) == len(objects[split]) + 1
        for i, drawing in enumerate(objects[split]):
            np.testing.assert_array_equal(points[offsets[i] : offsets[i + 1]], drawing)
        for column in ("id", "interesting", "boring", "label"):
            np.testing.assert_array_equal(flat[f"{split}_{column}"], objects[f"{split}_{column}"])


def test_it_round_trips_through_magentas_dataloader_conventions(dataset, exported):
    loaders, factor, max_seq_len = load_dataset(exported / "faces.npz")
    expected = _by_split(dataset)
    train_points = np.concatenate([strokes_of(f)[:, :2].ravel() for f in expected["train"]])
    assert factor == pytest.approx(float(np.std(train_points.astype(np.float32))), rel=1e-5)
    assert max_seq_len == max(f.num_points for f in dataset.exported())
    for loader, split in zip(loaders, SPLITS, strict=True):
        faces = expected[split]
        _, padded, lengths = loader.get_batch(range(len(loader.strokes)))
        assert padded.shape == (len(faces), max_seq_len + 1, 5)
        recovered = []
        for row, n in zip(padded, lengths, strict=True):
            strokes3 = stroke5_to_stroke3(row, start_token=True)
            assert len(strokes3) == n
            strokes3[:, :2] *= factor
            recovered.append(np.rint(strokes3).astype(np.int16))
        # The loader sorts by length; compare as multisets of drawings.
        key = lambda a: (len(a), a.tobytes())  # noqa: E731
        assert sorted(map(key, recovered)) == sorted(key(strokes_of(f)) for f in faces)


def test_soft_labels_are_the_interesting_share(dataset, tmp_path):
    out = tmp_path / "soft"
    call_command("export_dataset", "--format", "npz", "--out", str(out), "--label-rule", "soft",
                 stderr=io.StringIO(), stdout=io.StringIO())  # fmt: skip
    data = np.load(out / "faces.flat.npz")
    ids = np.concatenate([data[f"{s}_id"] for s in SPLITS]).tolist()
    shares = np.concatenate([data[f"{s}_label"] for s in SPLITS])
    voted = {f.pk: f for f in dataset.exported() + [f for f in dataset.faces if f.total_votes]}
    voted = {pk: f for pk, f in voted.items() if f.status != 3 and f.total_votes}
    assert sorted(ids) == sorted(voted)
    for face_id, share in zip(ids, shares, strict=True):
        face = voted[face_id]
        assert share == pytest.approx(face.interesting_count / face.total_votes)
    assert "label_names" not in data
