"""A loader written to Magenta's published sketch-rnn conventions (magenta/models/sketch_rnn:
sketch_rnn_train.load_dataset and utils.DataLoader), numpy only, to read our .npz as
sketch-rnn training would."""

from __future__ import annotations

import numpy as np


def get_max_len(strokes) -> int:
    return max((len(s) for s in strokes), default=0)


class DataLoader:
    """utils.DataLoader without augmentation (random_scale_factor = augment_stroke_prob = 0)."""

    def __init__(self, strokes, batch_size=100, max_seq_length=250, limit=1000):
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self.limit = limit
        self.start_stroke_token = [0, 0, 1, 0, 0]
        self.scale_factor = 1.0
        self.preprocess(strokes)

    def preprocess(self, strokes) -> None:
        raw, lengths = [], []
        for data in strokes:
            if len(data) <= self.max_seq_length:
                data = np.maximum(np.minimum(data, self.limit), -self.limit)
                raw.append(np.array(data, dtype=np.float32))
                lengths.append(len(data))
        order = np.argsort(np.array(lengths), kind="stable")
        self.strokes = [raw[i] for i in order]
        self.num_batches = len(raw) // self.batch_size

    def calculate_normalizing_scale_factor(self) -> float:
        data = [s[:, 0:2].ravel() for s in self.strokes if len(s) <= self.max_seq_length]
        return float(np.std(np.concatenate(data)))

    def normalize(self, scale_factor: float) -> None:
        self.scale_factor = scale_factor
        for s in self.strokes:
            s[:, 0:2] /= scale_factor

    def get_batch(self, indices):
        batch = [np.copy(self.strokes[i]) for i in indices]
        return batch, self.pad_batch(batch, self.max_seq_length), np.array([len(b) for b in batch])

    def pad_batch(self, batch, max_len):
        result = np.zeros((len(batch), max_len + 1, 5), dtype=float)
        for i, data in enumerate(batch):
            n = len(data)
            assert n <= max_len
            result[i, 0:n, 0:2] = data[:, 0:2]
            result[i, 0:n, 3] = data[:, 2]
            result[i, 0:n, 2] = 1 - result[i, 0:n, 3]
            result[i, n:, 4] = 1
            result[i, 1:, :] = result[i, :-1, :]  # shift right: S0 goes first
            result[i, 0, :] = 0
            result[i, 0, 2:5] = self.start_stroke_token[2:5]
        return result


def load_dataset(path):
    """sketch_rnn_train.load_dataset for one .npz: three normalised loaders and the factor."""
    data = np.load(path, encoding="latin1", allow_pickle=True)
    train, valid, test = data["train"], data["valid"], data["test"]
    max_seq_len = get_max_len(np.concatenate((train, valid, test)))
    loaders = [
        DataLoader(s, batch_size=1, max_seq_length=max_seq_len) for s in (train, valid, test)
    ]
    factor = loaders[0].calculate_normalizing_scale_factor()
    for loader in loaders:
        loader.normalize(factor)
    return loaders, factor, max_seq_len
