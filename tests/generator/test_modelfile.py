"""generator.modelfile: parsing and validating Magenta's .gen.json decoder weights."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import numpy as np
import pytest

from generator.modelfile import (
    EXPECTED_SHAPES,
    ModelFile,
    ModelFileError,
    load_model_file,
    parse_model_json,
)

FACE_SHA256 = "be2028b0a424c0d899ff9eda25a37eb78b0e4fba58bd400bcb5b18c2cbd15837"


@pytest.fixture(scope="module")
def face_doc(face_model_path: Path) -> list:
    return json.loads(face_model_path.read_bytes())


def _write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "model.gen.json"
    path.write_text(json.dumps(doc))
    return path


def _error_for(path: Path) -> str:
    with pytest.raises(ModelFileError) as info:
        load_model_file(path)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_it_loads_the_real_face_model(face_model_path: Path) -> None:
    mf = load_model_file(face_model_path)
    assert isinstance(mf, ModelFile)
    assert (mf.name, mf.scale_factor, mf.max_seq_len) == ("face", 78.2, 121)
    assert mf.sha256 == FACE_SHA256
    assert mf.info["version"] == 6
    shapes = [
        mf.output_kernel.shape,
        mf.output_bias.shape,
        mf.input_kernel.shape,
        mf.recurrent_kernel.shape,
        mf.lstm_bias.shape,
    ]
    assert [list(s) for s in shapes] == EXPECTED_SHAPES
    for array in (mf.output_kernel, mf.input_kernel, mf.recurrent_kernel, mf.lstm_bias):
        assert array.dtype == np.float32
        assert np.isfinite(array).all()
        assert np.abs(array).max() <= 10.0


def test_it_dequantises_int16_by_ten_over_32767(tmp_path: Path, face_doc: list) -> None:
    raw = np.array([0, 1, -1, 32767, -32767, 3277], dtype="<i2")
    doc = [face_doc[0], face_doc[1], list(face_doc[2])]
    # Replace the start of the output bias (123 values) with known int16s.
    bias = np.frombuffer(base64.b64decode(doc[2][1]), dtype="<i2").copy()
    bias[: len(raw)] = raw
    doc[2][1] = base64.b64encode(bias.tobytes()).decode()
    mf = load_model_file(_write(tmp_path, doc))
    expected = raw.astype(np.float32) * np.float32(10.0 / 32767)
    np.testing.assert_array_equal(mf.output_bias[: len(raw)], expected)
    assert mf.output_bias[3] == pytest.approx(10.0)


def test_sha256_is_of_the_bytes_as_given(face_model_path: Path) -> None:
    data = face_model_path.read_bytes()
    assert parse_model_json(data).sha256 == FACE_SHA256
    assert parse_model_json(data + b"\n").sha256 != FACE_SHA256


@pytest.mark.bad_input("malformed model file")
def test_a_truncated_file_is_reported_as_truncated_json(
    tmp_path: Path, face_model_path: Path
) -> None:
    data = face_model_path.read_bytes()
    for cut in (len(data) // 2, len(data) - 2, 100):
        path = tmp_path / "cut.gen.json"
        path.write_bytes(data[:cut])
        message = _error_for(path)
        assert message.startswith("not valid JSON (file truncated?)"), message


@pytest.mark.bad_input("malformed model file")
def test_text_that_is_not_json_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "page.gen.json"
    path.write_text("<html>Not Found</html>")
    assert _error_for(path).startswith("not valid JSON")


@pytest.mark.bad_input("malformed model file")
def test_a_missing_empty_or_directory_path_is_a_model_file_error(tmp_path: Path) -> None:
    assert _error_for(tmp_path / "nope.json") == "file not found"
    (tmp_path / "empty.json").write_bytes(b"")
    assert _error_for(tmp_path / "empty.json") == "file is empty"
    assert "directory" in _error_for(tmp_path)


@pytest.mark.bad_input("malformed model file")
def test_the_top_level_must_be_three_elements(tmp_path: Path, face_doc: list) -> None:
    message = _error_for(_write(tmp_path, face_doc[:2]))
    assert message == "expected a JSON array [info, shapes, weights], got an array of 2"
    message = _error_for(_write(tmp_path, {"info": face_doc[0]}))
    assert message == "expected a JSON array [info, shapes, weights], got dict"


@pytest.mark.bad_input("malformed model file")
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"scale_factor": -1}, "info.scale_factor must be finite and positive, got -1"),
        ({"scale_factor": "78.2"}, "info.scale_factor must be a number, got '78.2'"),
        ({"max_seq_len": 0}, "info.max_seq_len must be finite and positive, got 0"),
        ({"max_seq_len": 12.5}, "info.max_seq_len must be an integer, got 12.5"),
        ({"name": ""}, "info.name must be a non-empty string, got ''"),
    ],
)
def test_info_fields_are_validated(
    tmp_path: Path, face_doc: list, change: dict, expected: str
) -> None:
    doc = [{**face_doc[0], **change}, face_doc[1], face_doc[2]]
    assert _error_for(_write(tmp_path, doc)) == expected


@pytest.mark.bad_input("malformed model file")
def test_unknown_shapes_name_expected_and_got(tmp_path: Path, face_doc: list) -> None:
    flipped = [list(reversed(shape)) for shape in face_doc[1]]
    message = _error_for(_write(tmp_path, [face_doc[0], flipped, face_doc[2]]))
    assert message.startswith("unsupported weight shapes: expected [[512, 123], [123], ")
    assert message.endswith("got [[123, 512], [123], [2048, 5], [2048, 512], [2048]]")
    # A layer-norm or hyper-LSTM model has more tensors: also rejected by shape.
    more = [face_doc[0], [*face_doc[1], [2048]], [*face_doc[2], face_doc[2][4]]]
    assert _error_for(_write(tmp_path, more)).startswith("unsupported weight shapes")


@pytest.mark.bad_input("malformed model file")
def test_a_dropped_weight_is_reported(tmp_path: Path, face_doc: list) -> None:
    message = _error_for(_write(tmp_path, [face_doc[0], face_doc[1], face_doc[2][:4]]))
    assert message == "weights (element 2) must be a list of 5 strings, got 4 entries"


@pytest.mark.bad_input("malformed model file")
def test_corrupt_base64_is_reported_with_the_weight_name(tmp_path: Path, face_doc: list) -> None:
    weights = list(face_doc[2])
    weights[3] = "!!" + weights[3][2:]
    message = _error_for(_write(tmp_path, [face_doc[0], face_doc[1], weights]))
    assert message.startswith(
        "weights[3] (recurrent_kernel, shape [512, 2048]) is not valid base64"
    )


@pytest.mark.bad_input("malformed model file")
def test_a_weight_of_the_wrong_length_is_reported(tmp_path: Path, face_doc: list) -> None:
    weights = list(face_doc[2])
    weights[4] = base64.b64encode(b"\x00\x01" * 2047).decode()
    message = _error_for(_write(tmp_path, [face_doc[0], face_doc[1], weights]))
    assert message == "weights[4] (lstm_bias, shape [2048]) decodes to 4094 bytes, expected 4096"


@pytest.mark.bad_input("malformed model file")
def test_a_weight_that_is_not_a_string_is_reported(tmp_path: Path, face_doc: list) -> None:
    weights = [*face_doc[2][:1], [1, 2, 3], *face_doc[2][2:]]
    message = _error_for(_write(tmp_path, [face_doc[0], face_doc[1], weights]))
    assert message == "weights[1] (output_bias, shape [123]) must be a base64 string, got list"
