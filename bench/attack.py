"""Attack bench: what attacking clients achieve against the site while honest visitors vote.

    python -m bench.attack [--duration 180] [--warmup 60] [--visitors 40] [--nat-visitors 30]
                           [--attackers all] [--runs unattacked,attacked] [--json PATH]

Each run gets a scratch database on the server of DATABASE_URL (and a Redis database of its
own on REDIS_URL), then starts what production runs, on loopback: gunicorn with the
production settings (HTTPS=1, TRUSTED_PROXY_COUNT=1, the real rate limits), the deployment's
nginx in front of it (bench/proxy.py; without nginx, clients reach gunicorn and write the
proxy's X-Forwarded-For themselves), a Celery worker and beat that keep the pool of faces
topped up. Honest visitors (bench/attack_clients.py) vote by a taste at a human pace, each
from an address of its own, and a group of --nat-visitors shares one address (a school
behind NAT). The attackers (bench/attack_strategies.py) start after --warmup.

Phases of a run: warm-up (honest visitors only) -> retrain the scorer (manage.py
retrain_scorer) -> measure each rule on the next --measure-faces draws -> attack (or not) for
--duration -> retrain -> measure again. A rule's measure is the filter's lift: its share among
the admitted draws minus its share among all draws of the same sample (batches differ in
temperature, which moves both alike). The "unattacked" run is the same without attackers:
the honest loop's own result, and what an attack is compared with (the steering attack's
effect is its run's lift minus the unattacked run's). Results: tables on stdout, JSON in
var/bench/attack.json.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

from bench.common import RESULTS_DIR, table, write_results

REPO_ROOT = Path(__file__).resolve().parent.parent
ATTACKERS = (
    "cookie-dropping",
    "forged-csrf",
    "rotating-xff-direct",
    "rotating-xff-proxied",
    "steering",
    "report-flooding",
    "slow-headers",
)
HONEST_TASTE = "asymmetric"
STEERING_RULE = "many-strokes"  # "interesting iff 7 or more strokes"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=int, default=180, help="seconds of attack (600: the "
                        "issue's ten minutes)")  # fmt: skip
    parser.add_argument("--warmup", type=int, default=60, help="honest votes before the attack")
    parser.add_argument(
        "--visitors", type=int, default=40, help="honest visitors, one address each"
    )
    parser.add_argument(
        "--nat-visitors", type=int, default=30, help="honest visitors behind one address"
    )
    parser.add_argument(
        "--attackers", default="all", help=f"comma-separated: {', '.join(ATTACKERS)}"
    )
    parser.add_argument("--runs", default="unattacked,attacked", help="which runs, in order")
    parser.add_argument("--think", default="1.5,4.0", help="honest pause before a vote, s")
    parser.add_argument("--measure-faces", type=int, default=3000, help="draws per measure")
    parser.add_argument("--min-training-faces", type=int, default=150)
    parser.add_argument("--slow-connections", type=int, default=256)
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--web-threads", type=int, default=4)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--no-proxy", action="store_true", help="even where nginx is installed")
    parser.add_argument("--json", default=None, help="results path (default var/bench/attack.json)")
    parser.add_argument("--single-run", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--redis-db", type=int, default=1, help=argparse.SUPPRESS)
    return parser.parse_args(argv)  # fmt: skip


def attackers_of(args: argparse.Namespace) -> list[str]:
    chosen = ATTACKERS if args.attackers == "all" else tuple(args.attackers.split(","))
    unknown = set(chosen) - set(ATTACKERS)
    if unknown:
        raise SystemExit(f"unknown attackers: {', '.join(sorted(unknown))}")
    return list(chosen)


def run_in_child(name: str, argv: list[str], redis_db: int) -> dict:
    """One run in a process of its own (Django is set up once per process, for one database);
    its results are kept in var/bench/attack-NAME.json as soon as it ends."""
    out = RESULTS_DIR / f"attack-{name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "bench.attack", *argv, "--single-run", name,
               "--redis-db", str(redis_db), "--json", str(out)]  # fmt: skip
    subprocess.run(command, cwd=REPO_ROOT, check=True)
    return json.loads(out.read_text())


def _without_json(argv: list[str]) -> list[str]:
    kept, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--json":
            skip = True
        elif not arg.startswith("--json="):
            kept.append(arg)
    return kept


def print_report(runs: dict) -> None:
    honest_rows, loop_rows, attack_rows = [], [], []
    for name, run in runs.items():
        for group, seen in run["honest"].items():
            honest_rows.append([
                name, group, seen["clients"], seen["votes_acknowledged"], seen["recorded"],
                seen["counted"], seen["counted_pct"], seen.get("pending", "–"), seen["4xx"],
                seen["5xx"] + seen["no_answer"],
                seen["p50_ms"], seen["p99_ms"],
            ])  # fmt: skip
        for rule, shift in run["loop"]["shifts"].items():
            loop_rows.append([name, rule, run["loop"]["after"].get("scorer_version"),
                              shift["drawn_pct"], shift["admitted_pct"], shift["lift_before"],
                              shift["lift_after"]])  # fmt: skip
        for attacker in run["attackers"]:
            attack_rows.append([
                name, attacker["name"], attacker["requests"], attacker["accepted"],
                attacker["4xx"], attacker["5xx"] + attacker["no_answer"], attacker["identities"],
                attacker.get("recorded", "–"), attacker.get("counted_on_target", "–"),
                attacker.get("rank_best", "–"), attacker.get("first_page", "–"),
                attacker.get("reports_accepted", "–"),
            ])  # fmt: skip
    print(table(["run", "honest group", "clients", "votes acknowledged", "recorded", "counted",
                 "counted %", "pending", "4xx", "5xx/none", "p50 ms", "p99 ms"],
                honest_rows))  # fmt: skip
    print()
    print(table(["run", "rule", "filter after", "drawn %", "admitted %",
                 "lift before (points)", "lift after (points)"], loop_rows))  # fmt: skip
    if attack_rows:
        print()
        print(table(["run", "attacker", "requests", "votes/reports accepted", "4xx",
                     "5xx/none", "identities", "votes recorded", "counted votes on target",
                     "best rank (Most interesting)", "first page", "reports recorded"],
                    attack_rows))  # fmt: skip
    for name, run in runs.items():
        for attacker in run["attackers"]:
            if attacker["notes"]:
                print(f"{name} {attacker['name']}: {attacker['notes']}")


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    if args.single_run:
        from bench.attack_run import run_one

        result = run_one(args.single_run, args, attackers_of(args))
        Path(args.json).write_text(json.dumps(result, indent=2))
        return
    attackers_of(args)  # refuse unknown names before anything starts
    runs = {}
    for index, name in enumerate(args.runs.split(",")):
        if name not in ("unattacked", "attacked"):
            raise SystemExit(f"unknown run {name!r}: unattacked or attacked")
        runs[name] = run_in_child(name, _without_json(argv), index + 1)
    print_report(runs)
    if "attacked" in runs and "unattacked" in runs:
        attacked = runs["attacked"]["loop"]["shifts"].get(STEERING_RULE, {}).get("lift_after")
        alone = runs["unattacked"]["loop"]["shifts"].get(STEERING_RULE, {}).get("lift_after")
        if attacked is not None and alone is not None:
            print(f"\nsteering: the filter lifts the {STEERING_RULE} rule by {attacked:+.1f} "
                  f"points after the attack, {alone:+.1f} without it: "
                  f"{attacked - alone:+.1f} points from the attack")  # fmt: skip
    names = ("duration", "warmup", "visitors", "nat_visitors", "attackers", "think",
             "measure_faces", "seed")  # fmt: skip
    config = {k: getattr(args, k) for k in names}
    path = write_results("attack", {"config": config, "runs": runs}, args.json)
    print(f"results: {path}")


if __name__ == "__main__":
    main()
