"""python -m generator: the sample and bench commands, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from generator.bench import BenchResult, format_table
from generator.cli import _js_summary, main

REPO_ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_sample_writes_a_grid_png_and_svgs(tmp_path: Path, face_model_path: Path) -> None:
    out, svg_dir = tmp_path / "grid.png", tmp_path / "svg"
    proc = _run(
        "sample", "--n", "4", "--seed", "10", "--model", str(face_model_path),
        "--out", str(out), "--svg-dir", str(svg_dir),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "4 faces (seeds 10..13" in proc.stdout
    with Image.open(out) as image:
        assert image.format == "PNG"
        assert image.size == (257, 257)  # 2 x 2 cells of 128 px + 1 px separator
        darkest, _ = image.convert("L").getextrema()
        assert isinstance(darkest, int | float)  # one band: (min, max)
        assert darkest < 100  # strokes were drawn
    svgs = sorted(p.name for p in svg_dir.iterdir())
    assert svgs == ["face-10.svg", "face-11.svg", "face-12.svg", "face-13.svg"]
    assert (svg_dir / "face-10.svg").read_text().startswith("<svg")


@pytest.mark.parametrize("damage", ["truncate", "base64"])
def test_a_damaged_model_file_gives_one_error_line_and_exit_2(
    tmp_path: Path, face_model_path: Path, damage: str
) -> None:
    data = face_model_path.read_bytes()
    if damage == "truncate":
        data, expected = data[: len(data) // 3], "not valid JSON (file truncated?)"
    else:
        doc = json.loads(data)
        doc[2][0] = "#" + doc[2][0][1:]
        data, expected = json.dumps(doc).encode(), "weights[0] (output_kernel"
    bad = tmp_path / "bad.gen.json"
    bad.write_bytes(data)
    proc = _run("sample", "--model", str(bad), "--out", str(tmp_path / "x.png"))
    assert proc.returncode == 2
    assert proc.stderr.count("\n") == 1 and "Traceback" not in proc.stderr
    assert proc.stderr.startswith(f"error: {bad}: {expected}")
    assert not (tmp_path / "x.png").exists()


def test_without_a_model_it_says_how_to_fetch_one(tmp_path: Path) -> None:
    proc = _run("sample", "--out", "grid.png", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stderr == (
        "error: models/face.gen.json: not found: run `python manage.py fetch_models`"
        " or pass --model PATH\n"
    )


def test_sample_needs_something_to_write(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sample", "--n", "2"]) == 2
    assert capsys.readouterr().err == (
        "error: nothing to write: pass --out GRID.png and/or --svg-dir DIR\n"
    )


def test_bench_prints_a_table_and_writes_json(tmp_path: Path, face_model_path: Path) -> None:
    report = tmp_path / "bench.json"
    proc = _run(
        "bench", "--model", str(face_model_path), "--batch-sizes", "2", "--threads", "1",
        "--repeats", "1", "--faces", "3", "--no-js", "--json", str(report), "--dtypes", "float32",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("| batch | threads | dtype | faces | faces/s | vs float32 |")
    assert "baseline skipped: --no-js given" in proc.stdout
    data = json.loads(report.read_text())
    (result,) = data["results"]
    assert (result["batch_size"], result["threads"], result["faces"]) == (2, 1, 3)
    assert result["dtype"] == "float32" and data["command"].startswith("python -m generator bench")
    assert result["faces_per_s"] > 0 and result["peak_rss_mb"] > 50
    assert result["gflops"] == pytest.approx(
        result["face_steps_per_s"] * data["flops_per_face_step"] / 1e9
    )


def test_bench_prints_the_dtypes_side_by_side(tmp_path: Path, face_model_path: Path) -> None:
    report = tmp_path / "bench.json"
    proc = _run(
        "bench", "--model", str(face_model_path), "--batch-sizes", "2", "--threads", "1",
        "--repeats", "2", "--faces", "2", "--no-js", "--json", str(report),
        "--dtypes", "float32,bfloat16",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = [line for line in proc.stdout.splitlines() if line.startswith("|     2 |")]
    assert [row.split("|")[3].strip() for row in rows] == ["float32", "bfloat16"]
    assert "1.00x" in rows[0]
    results = json.loads(report.read_text())["results"]
    assert [r["dtype"] for r in results] == ["float32", "bfloat16"]
    assert all(len(r["seconds"]) == 2 for r in results)  # one per alternating run


def test_bench_rejects_an_unknown_dtype(face_model_path: Path) -> None:
    with pytest.raises(SystemExit):
        main(["bench", "--model", str(face_model_path), "--dtypes", "float32,int4"])


def test_quality_reports_nll_and_the_two_sample_tests(
    tmp_path: Path, face_model_path: Path, quickdraw_faces: list[dict]
) -> None:
    human, report = tmp_path / "human.ndjson", tmp_path / "quality.json"
    human.write_text("\n".join(json.dumps(record) for record in quickdraw_faces[:5]))
    proc = _run(
        "quality", "--model", str(face_model_path), "--human", str(human), "--samples", "8",
        "--json", str(report),
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "| human drawings |" in proc.stdout and "| ink_length |" in proc.stdout
    figures = json.loads(report.read_text())
    assert figures["precision"] == "bfloat16" and figures["human_drawings"] == 5
    assert len(figures["ks"]) == 6 and len(figures["nll"]) == 3


def test_the_js_ratio_compares_batch_one_and_the_best_run() -> None:
    results = [
        BenchResult(1, 1, 8, 20.0, 2000.0, 4.5, 100.0, 300.0, [0.4], 1.0),
        BenchResult(256, 2, 512, 600.0, 6e4, 135.0, 100.0, 500.0, [0.85], 2.0),
    ]
    line = _js_summary({"faces_per_s": 2.5, "backend": "tfjs cpu"}, results)
    assert "ours batch 1, 1 thread: 20.0 faces/s (8.0x)" in line
    assert "ours best (batch 256, 2 threads): 600.0 faces/s (240.0x)" in line
    assert _js_summary({"skipped": "no node"}, results).endswith("skipped: no node")
    assert format_table(results).count("\n") == 3
