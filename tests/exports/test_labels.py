"""Label rules and hash splits (pure functions, no database)."""

from __future__ import annotations

import hashlib
import math

import numpy as np
import pytest

from facegallery.exports.labels import (
    LabelRuleError,
    label_rule_parse,
    label_values,
    split_codes,
    split_ratio_parse,
)
from facegallery.gallery.ranking import wilson_lower_bound


def test_a_grown_dataset_keeps_every_earlier_face_in_its_split():
    before = split_codes(list(range(1, 5001)))
    after = split_codes(list(range(1, 20001)))
    np.testing.assert_array_equal(after[:5000], before)


def test_splits_follow_the_documented_hash_formula():
    ids = [1, 2, 3, 17, 999_999, 10**12]
    for face_id, code in zip(ids, split_codes(ids, (70, 20, 10)), strict=True):
        digest = hashlib.sha256(str(face_id).encode()).digest()
        bucket = int.from_bytes(digest[:8], "big") % 100
        assert code == (0 if bucket < 70 else 1 if bucket < 90 else 2)


def test_splits_come_close_to_the_ratio():
    codes = split_codes(list(range(1, 20001)))
    shares = np.bincount(codes, minlength=3) / len(codes)
    assert shares == pytest.approx([0.8, 0.1, 0.1], abs=0.01)


def _labels(rule, pairs):
    i = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    wi = np.array([wilson_lower_bound(x, x + y) for x, y in pairs])
    wb = np.array([wilson_lower_bound(y, x + y) for x, y in pairs])
    return label_values(
        label_rule_parse(rule), interesting=i, boring=b, wilson_interesting=wi, wilson_boring=wb
    ).tolist()


def test_majority_labels_the_larger_side_and_leaves_ties_out():
    assert _labels("majority", [(3, 1), (1, 3), (2, 2), (0, 0)]) == [1, 0, -1, -1]


def test_wilson_labels_only_confident_faces():
    pairs = [(3, 0), (30, 2), (2, 30), (10, 10)]
    expected = [
        1 if wilson_lower_bound(i, i + b) >= 0.7 else 0 if wilson_lower_bound(b, i + b) >= 0.7
        else -1
        for i, b in pairs
    ]  # fmt: skip
    assert _labels("wilson:0.7", pairs) == expected
    assert expected[0] == -1 and expected[1] == 1 and expected[2] == 0


def test_soft_labels_are_shares_and_nan_without_votes():
    shares = _labels("soft", [(3, 1), (0, 2), (0, 0)])
    assert shares[:2] == [0.75, 0.0] and math.isnan(shares[2])


@pytest.mark.parametrize("text", ["median", "wilson:0.3", "wilson:1", "wilson:x", "soft:2"])
def test_bad_label_rules_name_the_fix(text):
    with pytest.raises(LabelRuleError, match=r"label rule|wilson threshold"):
        label_rule_parse(text)


@pytest.mark.parametrize("text", ["80/10", "80/10/20", "a/b/c", "110/-5/-5"])
def test_bad_split_ratios_are_refused(text):
    with pytest.raises(LabelRuleError, match="split ratio"):
        split_ratio_parse(text)
