"""`manage.py simulate_voters --votes N --taste NAME [--seed S] [--seeds K]`: the whole feedback
loop with simulated visitors, to measure how well the filter learns a taste.

NAME is a taste of generator/tastes.py or a mixed population ("mixed:top+sides": each visitor
belongs to one group). Each run is repeatable from its seed (facegallery/generation/services/
simulation.py); --seeds K runs seeds S, S+1, ... S+K-1 and reports medians. Per round it prints
the admitted share of drawn faces, each group's floor (its taste's share of all drawn faces) and
shown share, and whether the scorer trained after the round was promoted; at the end, on
--measure-draws faces drawn through the final filter, per group: floor, shown share, oracle
ceiling (the best share with the same number admitted) and the gap closed.

--tune also trains a generator version after each round (facegallery/tuning) and, at the end,
draws the measurement by the base weights and by the newest version that passed its rails: per
group, the unfiltered liked share of each generator and the shown share with the filter on top.

Run it on a scratch database: it refuses one with votes from anyone but simulated visitors, and
each run empties the faces, votes, scorer and generator versions.
"""

from __future__ import annotations

import json
import math
import statistics
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from facegallery.gallery.models import GenerationSettings
from facegallery.generation.services.simulation import (
    Run,
    Simulation,
    simulated_votes_only,
    simulation_run,
)
from facegallery.generation.services.simulation_shares import oracle_on_base
from generator.tastes import TASTES, population_parse


def _pct(value: float | None) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:.1%}"


def _median(values: list[float]) -> float:
    values = [v for v in values if not math.isnan(v)]
    return statistics.median(values) if values else float("nan")


def _finite(value):
    """`value` with NaN floats as None, for strict JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


class Command(BaseCommand):
    help = "Run the vote -> retrain -> filter loop with simulated visitors and measure it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--votes", type=int, required=True, help="votes to cast per run")
        parser.add_argument(
            "--taste", required=True, help=f"{', '.join(TASTES)}, or mixed:A+B[+...]"
        )
        parser.add_argument("--round-votes", type=int, default=250, help="votes between retrains")
        parser.add_argument("--noise", type=float, default=0.1, help="chance a vote is flipped")
        parser.add_argument("--visitors", type=int, default=40)
        parser.add_argument("--seed", type=int, default=0, help="the first run's seed")
        parser.add_argument("--seeds", type=int, default=1, help="runs, seeds --seed onwards")
        parser.add_argument(
            "--measure-draws", type=int, default=2048, help="faces drawn after the last retrain"
        )
        parser.add_argument(
            "--tune", action="store_true", help="also train generator versions from the votes"
        )
        parser.add_argument("--json", default="", help="also write the results here (- : stdout)")

    def handle(self, *args, **options) -> None:
        try:
            population = population_parse(options["taste"])
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        sim = Simulation(
            population=population,
            votes=options["votes"],
            round_votes=options["round_votes"],
            noise=options["noise"],
            visitors=options["visitors"],
            measure_draws=options["measure_draws"],
            tune=options["tune"],
        )
        seeds = list(range(options["seed"], options["seed"] + options["seeds"]))
        self._check(sim, seeds)
        config = GenerationSettings.current()
        self.stdout.write(
            f"{population.name}: {sim.votes} votes, retrain every {sim.round_votes}, noise "
            f"{sim.noise}, {sim.visitors} visitors, keep {config.keep_share:.0%} + explore "
            f"{config.explore_share:.0%}, seeds {seeds[0]}..{seeds[-1]}"
        )
        runs = []
        with tqdm(total=sim.votes * len(seeds), desc="votes", unit="vote", disable=None) as bar:
            for seed in seeds:
                runs.append(simulation_run(sim, seed=seed, progress=bar.update))
                bar.clear()
                self._write_run(runs[-1], sim)
                bar.refresh()
        self._write_summary(runs, sim)
        if options["json"]:
            self._write_json(runs, sim, options["json"])

    def _check(self, sim: Simulation, seeds: list[int]) -> None:
        if sim.votes < 1 or sim.round_votes < 1 or sim.visitors < 1 or not seeds:
            raise CommandError("--votes, --round-votes, --visitors and --seeds must be >= 1")
        if not 0 <= sim.noise < 0.5 or sim.measure_draws < 1:
            raise CommandError("--noise must be in [0, 0.5) and --measure-draws >= 1")
        if not simulated_votes_only():
            raise CommandError("this database has real votes: run the simulation on a scratch one")
        if not GenerationSettings.current().filter_enabled:
            raise CommandError("the scoring filter is switched off in the generation settings")

    def _write_run(self, run: Run, sim: Simulation) -> None:
        groups = sim.population.tastes
        self.stdout.write(f"\nseed {run.seed}")
        head = f"{'round':>5} {'votes':>6} {'drawn':>6} {'admitted':>9} "
        head += "".join(f"{t[:14] + ' floor':>21} {'shown':>6} " for t in groups)
        self.stdout.write(head + f"{'candidate':>9} {'AUC':>6} {'vs':>6}  promoted")
        for r in run.rounds:
            line = f"{r.number:>5} {r.votes:>6} {r.drawn:>6} {_pct(r.admitted_share):>9} "
            line += "".join(f"{_pct(s.floor):>21} {_pct(s.shown):>6} " for s in r.shares)
            auc = "-" if r.auc is None else f"{r.auc:.3f}"
            inc = "-" if r.incumbent_auc is None else f"{r.incumbent_auc:.3f}"
            version = f"v{r.scorer_version}" if r.scorer_version else "-"
            verdict = "yes" if r.promoted else f"no ({r.reason})"
            self.stdout.write(line + f"{version:>9} {auc:>6} {inc:>6}  {verdict}")
        final = run.final[0]
        self.stdout.write(
            f"after the last retrain: {final.drawn} drawn, {final.admitted} admitted "
            f"({_pct(final.admitted / final.drawn if final.drawn else math.nan)})"
        )
        self.stdout.write(
            f"{'taste':<16} {'floor':>7} {'shown':>7} {'ceiling':>8} {'gap closed':>11}"
        )
        for share in run.final:
            self.stdout.write(
                f"{share.taste:<16} {_pct(share.floor):>7} {_pct(share.shown):>7} "
                f"{_pct(share.ceiling):>8} {_pct(share.gap_closed):>11}"
            )
        if sim.tune:
            self._write_generators(run)

    def _write_generators(self, run: Run) -> None:
        for r in run.rounds:
            version = f"v{r.generator_version}" if r.generator_version else "-"
            self.stdout.write(f"round {r.number}: generator {version} ({r.generator_note})")
        if run.tuned_version is None:
            self.stdout.write("no generator version passed its rails")
            return
        self.stdout.write(
            f"base weights against generator v{run.tuned_version}, "
            f"{run.base[0].drawn} faces each, through the final filter"
        )
        self._write_generator_table(
            [(b.taste, b.floor, t.floor, b.shown, t.shown, oracle_on_base(b, t))
             for b, t in zip(run.base, run.tuned, strict=True)]
        )  # fmt: skip

    def _write_generator_table(self, rows: list[tuple]) -> None:
        """Per taste: liked unfiltered (base, tuned), shown (base, tuned) and the oracle filter
        on the base weights' draws with the tuned arm's admitted share: tuned + filter beats
        filtering alone when its shown share is above that."""
        self.stdout.write(
            f"{'taste':<16} {'base liked':>10} {'tuned liked':>11} "
            f"{'base shown':>10} {'tuned shown':>11} {'oracle on base':>14}  beats it"
        )
        for taste, base_liked, tuned_liked, base_shown, tuned_shown, oracle in rows:
            beats = "-" if math.isnan(tuned_shown) or math.isnan(oracle) else tuned_shown > oracle
            self.stdout.write(
                f"{taste:<16} {_pct(base_liked):>10} {_pct(tuned_liked):>11} "
                f"{_pct(base_shown):>10} {_pct(tuned_shown):>11} {_pct(oracle):>14}  "
                f"{'yes' if beats is True else 'no' if beats is False else beats}"
            )

    def _write_summary(self, runs: list[Run], sim: Simulation) -> None:
        self.stdout.write(f"\nmedian over {len(runs)} seed(s), after the last retrain")
        self.stdout.write(
            f"{'taste':<16} {'floor':>7} {'shown':>7} {'ceiling':>8} {'gap closed':>11} "
            f"{'min':>7} {'max':>7}"
        )
        worst = None
        for k, taste in enumerate(sim.population.tastes):
            shares = [run.final[k] for run in runs]
            gaps = [s.gap_closed for s in shares]
            gap = _median(gaps)
            if worst is None or gap < worst[1]:
                worst = (taste, gap)
            self.stdout.write(
                f"{taste:<16} {_pct(_median([s.floor for s in shares])):>7} "
                f"{_pct(_median([s.shown for s in shares])):>7} "
                f"{_pct(_median([s.ceiling for s in shares])):>8} {_pct(gap):>11} "
                f"{_pct(min(gaps)):>7} {_pct(max(gaps)):>7}"
            )
        rejected = sum(not r.promoted for run in runs for r in run.rounds if r.scorer_version)
        trained = sum(1 for run in runs for r in run.rounds if r.scorer_version)
        admitted = [r.admitted_share for run in runs for r in run.rounds if r.filtered]
        self.stdout.write(
            f"candidates rejected: {rejected} of {trained}; admitted share per filtered round: "
            f"{_pct(min(admitted, default=math.nan))} to {_pct(max(admitted, default=math.nan))}"
        )
        if worst and len(sim.population.tastes) > 1:
            self.stdout.write(f"worst group: {worst[0]} ({_pct(worst[1])} of its gap closed)")
        tuned = [run for run in runs if run.tuned]
        if tuned:
            self.stdout.write(
                f"\ngenerators, median over the {len(tuned)} seed(s) with a version that "
                "passed its rails"
            )
            self._write_generator_table(
                [(taste,
                  _median([r.base[k].floor for r in tuned]),
                  _median([r.tuned[k].floor for r in tuned]),
                  _median([r.base[k].shown for r in tuned]),
                  _median([r.tuned[k].shown for r in tuned]),
                  _median([oracle_on_base(r.base[k], r.tuned[k]) for r in tuned]))
                 for k, taste in enumerate(sim.population.tastes)]
            )  # fmt: skip

    def _write_json(self, runs: list[Run], sim: Simulation, path: str) -> None:
        data = {
            "population": sim.population.name,
            "groups": dict(zip(sim.population.tastes, sim.population.shares, strict=True)),
            "votes": sim.votes,
            "round_votes": sim.round_votes,
            "noise": sim.noise,
            "visitors": sim.visitors,
            "runs": [
                {
                    "seed": run.seed,
                    "rounds": [
                        {
                            "round": r.number,
                            "votes": r.votes,
                            "drawn": r.drawn,
                            "admitted": r.admitted,
                            "admitted_share": r.admitted_share,
                            "filtered": r.filtered,
                            "shares": [s.as_dict() for s in r.shares],
                            "candidate": r.scorer_version,
                            "promoted": r.promoted,
                            "reason": r.reason,
                            "auc": r.auc,
                            "incumbent_auc": r.incumbent_auc,
                        }
                        for r in run.rounds
                    ],
                    "final": [s.as_dict() for s in run.final],
                    "generator_versions": [r.generator_version for r in run.rounds],
                    "tuned_version": run.tuned_version,
                    "base": [s.as_dict() for s in run.base],
                    "tuned": [s.as_dict() for s in run.tuned],
                    "oracle_on_base": [
                        oracle_on_base(b, t) for b, t in zip(run.base, run.tuned, strict=True)
                    ],
                }
                for run in runs
            ],
            "median_gap_closed": {
                taste: _median([run.final[k].gap_closed for run in runs])
                for k, taste in enumerate(sim.population.tastes)
            },
        }
        text = json.dumps(_finite(data), indent=1)
        if path == "-":
            sys.stdout.write(text + "\n")
        else:
            Path(path).write_text(text + "\n")
