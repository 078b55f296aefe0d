"""How well "For you" serves each group of a mixed population, without Django.

    python -m bench.for_you [--population mixed:top+many-strokes] [--votes 20,40,80]
        [--voters 20] [--flip 0.1] [--candidates 1000] [--shown 24] [--faces 4000]

The faces and their features come from generator.representation_eval (the same draws, the
same cache under var/repr/). The population's visitors are split into its groups; each
visitor votes --votes random faces by its group's taste (--flip of the votes flipped, as a
person's mind changes) and gets a personal head fitted on those votes alone, the head "For
you" fits (generator.personal, on the shared representation). The head orders --candidates
faces the visitor has not seen; "For you" shows the top --shown. Per group and vote count,
medians over its visitors:

- floor: the share of the candidates the group's taste likes (what an unordered page shows);
- shown: the share among the --shown faces "For you" put first;
- ceiling: the share a perfect ordering shows (1 unless fewer liked candidates exist);
- gap closed: (shown - floor) / (ceiling - floor).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch

from bench.common import table
from generator.personal import personal_fit, personal_scores
from generator.representation_eval import faces_with_features
from generator.tastes import population_parse, tastes_judge


def tabular(data: dict[str, np.ndarray]) -> np.ndarray:
    """(N, D) statistics, NLL statistics and temperature: the scorer's tabular row."""
    temperature = data["temperature"].reshape(-1, 1)
    return np.concatenate([data["stats"], data["nll"], temperature], axis=1)


def simulate(data: dict[str, np.ndarray], args: argparse.Namespace) -> list[dict]:
    population = population_parse(args.population)
    groups = list(population.tastes)
    liked = tastes_judge(groups, list(data["drawings"]))
    tab, rep = tabular(data), data["repr"]
    n = len(tab)
    rows = []
    for votes in [int(v) for v in args.votes.split(",")]:
        for visitor in range(args.voters):
            group = population.group_of(visitor, args.voters)
            taste = groups[group]
            rng = np.random.default_rng([args.seed, votes, visitor])
            order = rng.permutation(n)
            seen, candidates = order[:votes], order[votes : votes + args.candidates]
            labels = liked[taste][seen].astype(np.float64)
            flip = rng.random(votes) < args.flip
            labels[flip] = 1.0 - labels[flip]
            head = personal_fit(tab[seen], rep[seen], labels, seed=visitor)
            truth = liked[taste][candidates]
            if head is None:  # one label only: nothing to learn from yet
                shown = float(truth[: args.shown].mean())
            else:
                scores = personal_scores(head, tab[candidates], rep[candidates])
                top = np.argsort(-scores, kind="stable")[: args.shown]
                shown = float(truth[top].mean())
            floor = float(truth.mean())
            ceiling = min(1.0, float(truth.sum()) / args.shown)
            rows.append({
                "votes": votes, "group": f"{group}: {taste}", "visitor": visitor,
                "floor": floor, "shown": shown, "ceiling": ceiling,
                "gap_closed": (shown - floor) / (ceiling - floor) if ceiling > floor else None,
            })  # fmt: skip
    return rows


def report(rows: list[dict]) -> str:
    out = []
    for votes, group in dict.fromkeys((r["votes"], r["group"]) for r in rows):
        mine = [r for r in rows if (r["votes"], r["group"]) == (votes, group)]
        gaps = [r["gap_closed"] for r in mine if r["gap_closed"] is not None]
        out.append([
            group, votes, len(mine),
            100 * float(np.median([r["floor"] for r in mine])),
            100 * float(np.median([r["shown"] for r in mine])),
            100 * float(np.median([r["ceiling"] for r in mine])),
            100 * float(np.median(gaps)) if gaps else None,
        ])  # fmt: skip
    return table(
        ["group: taste", "votes each", "visitors", "floor %", "shown %", "ceiling %",
         "gap closed % (median)"], out,
    )  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", default="mixed:top+many-strokes")
    parser.add_argument("--votes", default="20,40,80")
    parser.add_argument("--voters", type=int, default=20)
    parser.add_argument("--flip", type=float, default=0.1)
    parser.add_argument("--candidates", type=int, default=1000)
    parser.add_argument("--shown", type=int, default=24)
    parser.add_argument("--seed", type=int, default=0)
    # What generator.representation_eval draws and caches (the same defaults).
    parser.add_argument("--faces", type=int, default=4000)
    parser.add_argument("--temperatures", default="0.15,0.3,0.45,0.6")
    parser.add_argument("--model", default="models/face.gen.json")
    parser.add_argument("--cache-dir", default="var/repr")
    parser.add_argument("--json", default="var/bench/for_you.json")
    args = parser.parse_args()
    torch.set_num_threads(2)
    rows = simulate(faces_with_features(args), args)
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps({"args": vars(args), "rows": rows}, indent=1))
    sys.stdout.write(f"For you, {args.population}\n\n{report(rows)}\n")


if __name__ == "__main__":
    main()
