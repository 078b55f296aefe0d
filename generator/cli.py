"""Command line: ``python -m generator sample|bench|quality`` (no Django needed).

Errors the user can fix (missing or malformed model file, unwritable output) print ONE line,
``error: <path>: <what is wrong>``, on stderr and exit with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from tqdm import tqdm

from generator.modelfile import ModelFileError

logger = logging.getLogger("generator")

DEFAULT_MODEL = Path("models/face.gen.json")
EXIT_USAGE = 2  # argparse uses 2 for bad arguments; a bad model file is the same kind of error


class CliError(Exception):
    """A one-line, user-facing error: printed as ``error: <message>``."""


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected comma-separated integers, got {text!r}"
        ) from None
    if not values or min(values) < 1:
        raise argparse.ArgumentTypeError(f"expected positive integers, got {text!r}")
    return values


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0:  # also rejects nan
        raise argparse.ArgumentTypeError(f"must be >= 0, got {text}")
    return value


def _precision(text: str) -> str:
    from generator.precision import resolve_precision

    try:
        resolve_precision(text, native_bf16=False)  # validates the name only
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from None
    return text


def _precision_list(text: str) -> list[str]:
    from generator.precision import resolve_precision

    names = [_precision(part.strip()) for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError(f"expected comma-separated precisions, got {text!r}")
    return list(dict.fromkeys(resolve_precision(name) for name in names))  # resolved, in order


def _default_dtypes() -> list[str]:
    """float32, plus bfloat16 where the automatic choice picks it."""
    from generator.precision import FLOAT32, resolve_precision

    return list(dict.fromkeys([FLOAT32, resolve_precision(None)]))


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m generator", description="Draw faces with Magenta's sketch-rnn decoder."
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    commands = parser.add_subparsers(dest="command", required=True)

    sample = commands.add_parser("sample", help="draw faces into a PNG grid and/or SVG files")
    sample.add_argument("--n", type=_positive_int, default=64, help="number of faces (64)")
    sample.add_argument("--temperature", type=_non_negative, default=0.25)
    sample.add_argument("--softmax-temperature", type=_non_negative, default=None)
    sample.add_argument("--seed", type=int, default=0, help="first seed; faces use seed..seed+n-1")
    sample.add_argument("--model", type=Path, default=None, help=f"default: {DEFAULT_MODEL}")
    sample.add_argument("--out", type=Path, default=None, help="grid PNG to write")
    sample.add_argument("--svg-dir", type=Path, default=None, help="write face-<seed>.svg here")
    sample.add_argument("--batch-size", type=_positive_int, default=256)
    sample.add_argument("--device", default="cpu", help="torch device (cpu, cuda, ...)")
    sample.add_argument(
        "--precision",
        type=_precision,
        default="auto",
        help="float32, bfloat16 or auto (bfloat16 on a CPU with native support; default)",
    )

    bench = commands.add_parser("bench", help="measure sampling speed and memory")
    bench.add_argument("--model", type=Path, default=None, help=f"default: {DEFAULT_MODEL}")
    bench.add_argument("--json", type=Path, default=None, help="also write results here")
    bench.add_argument("--batch-sizes", type=_int_list, default=[1, 16, 64, 256, 1024])
    bench.add_argument("--threads", type=_int_list, default=[1, 2])
    bench.add_argument(
        "--dtypes",
        type=_precision_list,
        default=None,
        help="precisions side by side, e.g. float32,bfloat16 (default: float32 and auto's pick)",
    )
    bench.add_argument("--repeats", type=_positive_int, default=3)
    bench.add_argument("--temperature", type=_non_negative, default=0.25)
    bench.add_argument("--faces", type=_positive_int, default=None, help="faces per run")
    bench.add_argument("--js-faces", type=_positive_int, default=20, help="faces for the JS run")
    bench.add_argument("--no-js", action="store_true", help="skip the @magenta/sketch baseline")

    quality = commands.add_parser(
        "quality", help="compare a reduced precision with float32: NLL and drawing statistics"
    )
    quality.add_argument("--model", type=Path, default=None, help=f"default: {DEFAULT_MODEL}")
    quality.add_argument("--precision", type=_precision, default="bfloat16")
    quality.add_argument(
        "--human", type=Path, default=None, help="Quick, Draw! simplified ndjson of human faces"
    )
    quality.add_argument("--samples", type=_positive_int, default=512, help="faces per side")
    quality.add_argument("--temperature", type=_non_negative, default=0.5)
    quality.add_argument("--alpha", type=float, default=0.05, help="KS level, all six together")
    quality.add_argument("--batch-size", type=_positive_int, default=256)
    quality.add_argument("--json", type=Path, default=None, help="also write the figures here")
    return parser


def _model_path(arg: Path | None) -> Path:
    if arg is not None:
        return arg
    if not DEFAULT_MODEL.is_file():
        raise CliError(
            f"{DEFAULT_MODEL}: not found: run `python manage.py fetch_models` or pass --model PATH"
        )
    return DEFAULT_MODEL


def _load(path: Path):
    from generator.model import SketchDecoder
    from generator.modelfile import load_model_file

    try:
        return SketchDecoder.from_model_file(load_model_file(path))
    except ModelFileError as err:
        raise CliError(f"{path}: {err}") from None


def cmd_sample(args: argparse.Namespace) -> int:
    if args.out is None and args.svg_dir is None:
        raise CliError("nothing to write: pass --out GRID.png and/or --svg-dir DIR")
    from generator.precision import resolve_precision
    from generator.render import render_grid_png, render_svg
    from generator.sampling import sample_faces

    decoder = _load(_model_path(args.model)).to(args.device)
    precision = resolve_precision(args.precision, args.device)
    seeds = list(range(args.seed, args.seed + args.n))
    started = time.perf_counter()
    with tqdm(total=len(seeds), unit="face", file=sys.stderr, disable=None, leave=False) as bar:
        faces = sample_faces(
            decoder,
            seeds,
            args.temperature,
            softmax_temperature=args.softmax_temperature,
            batch_size=args.batch_size,
            device=args.device,
            precision=precision,
            progress=bar.update,
        )
    elapsed = time.perf_counter() - started
    written = []
    try:
        if args.out is not None:
            labels = [str(seed) for seed in seeds]
            grid = render_grid_png(faces, scale_factor=decoder.scale_factor, labels=labels)
            grid.save(args.out, format="PNG")
            written.append(str(args.out))
        if args.svg_dir is not None:
            args.svg_dir.mkdir(parents=True, exist_ok=True)
            for seed, face in zip(seeds, faces, strict=True):
                svg = render_svg(face, scale_factor=decoder.scale_factor)
                (args.svg_dir / f"face-{seed}.svg").write_text(svg)
            written.append(f"{args.svg_dir}/face-*.svg")
    except OSError as err:
        raise CliError(f"{err.filename}: {err.strerror}") from None
    sys.stdout.write(
        f"{len(faces)} faces (seeds {seeds[0]}..{seeds[-1]}, temperature {args.temperature}, "
        f"{precision}, model {decoder.model_sha256[:12]}) in {elapsed:.2f} s "
        f"-> {', '.join(written)}\n"
    )
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from generator import bench

    model = _model_path(args.model)
    _load(model)  # fail fast with one line, before starting any worker
    dtypes = args.dtypes if args.dtypes is not None else _default_dtypes()
    configs = len(args.batch_sizes) * len(args.threads) * len(dtypes)
    machine = bench.machine_info()
    if machine["load_average_1m"] > 0.5:
        logger.warning("load average %.1f: timings will be noisy", machine["load_average_1m"])
    with tqdm(total=configs, unit="config", file=sys.stderr, disable=None, leave=False) as bar:
        results = bench.run_bench(
            str(model),
            args.batch_sizes,
            args.threads,
            dtypes=dtypes,
            repeats=args.repeats,
            temperature=args.temperature,
            faces=args.faces,
            on_result=lambda _: bar.update(),
        )
    lines = [bench.format_table(results)]
    if args.no_js:
        js = {"skipped": "--no-js given"}
    else:
        js = bench.js_baseline(str(model), args.temperature, args.js_faces)
    lines.append(_js_summary(js, results))
    sys.stdout.write("\n".join(lines) + "\n")
    if args.json is not None:
        report = {
            "machine": machine,
            "command": " ".join(["python -m generator", *sys.argv[1:]]),
            "temperature": args.temperature,
            "flops_per_face_step": bench.FLOPS_PER_FACE_STEP,
            "results": [asdict(result) for result in results],
            "js": js,
        }
        try:
            args.json.write_text(json.dumps(report, indent=2) + "\n")
        except OSError as err:
            raise CliError(f"{args.json}: {err.strerror}") from None
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from generator.quality import compare_precisions, format_report, load_quickdraw

    decoder = _load(_model_path(args.model))
    human = []
    if args.human is not None:
        try:
            human = load_quickdraw(args.human, decoder.scale_factor)
        except OSError as err:
            raise CliError(f"{args.human}: {err.strerror}") from None
        except (ValueError, KeyError) as err:
            raise CliError(f"{args.human}: not Quick, Draw! ndjson: {err}") from None
    report = compare_precisions(
        decoder,
        args.precision,
        human=human,
        samples=args.samples,
        temperature=args.temperature,
        alpha=args.alpha,
        batch_size=args.batch_size,
    )
    sys.stdout.write(format_report(report) + "\n")
    if args.json is not None:
        figures = asdict(report) | {
            "nll_ok": report.nll_ok,
            "indistinguishable": report.indistinguishable,
            "human_drawings": len(human),
        }
        try:
            args.json.write_text(json.dumps(figures, indent=2) + "\n")
        except OSError as err:
            raise CliError(f"{args.json}: {err.strerror}") from None
    return 0


def _js_summary(js: dict, results: Sequence) -> str:
    if "faces_per_s" not in js:
        return f"@magenta/sketch baseline skipped: {js.get('skipped', 'no result')}"
    theirs = float(js["faces_per_s"])
    single = [r for r in results if r.batch_size == 1 and r.threads == 1]
    best = max(results, key=lambda r: r.faces_per_s)
    parts = [f"@magenta/sketch ({js.get('backend', 'tfjs')}): {theirs:.1f} faces/s, one at a time"]
    if single:
        ratio = single[0].faces_per_s / theirs
        parts.append(f"ours batch 1, 1 thread: {single[0].faces_per_s:.1f} faces/s ({ratio:.1f}x)")
    parts.append(
        f"ours best (batch {best.batch_size}, {best.threads} threads): "
        f"{best.faces_per_s:.1f} faces/s ({best.faces_per_s / theirs:.1f}x)"
    )
    return "; ".join(parts)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s: %(message)s",
        stream=sys.stderr,
    )
    handler = {"sample": cmd_sample, "bench": cmd_bench, "quality": cmd_quality}[args.command]
    try:
        return handler(args)
    except CliError as err:
        sys.stderr.write(f"error: {err}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("interrupted\n")
        return 130
