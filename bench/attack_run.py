"""One run of bench.attack, in a process of its own: a scratch database, the site's processes
(gunicorn, nginx, a Celery worker and beat), honest visitors, attackers, and the measures.
See bench/attack.py for the phases."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from contextlib import ExitStack
from functools import partial
from pathlib import Path

from bench import attack_strategies as strategies
from bench.attack import HONEST_TASTE, STEERING_RULE
from bench.attack_clients import Endpoint, Tally, Taste, WebClient, honest_visitor
from bench.common import django_setup, gunicorn_start, redis_database, scratch_database
from bench.load_visitors import start_generation
from bench.proxy import nginx_binary, start_nginx

REPO_ROOT = Path(__file__).resolve().parent.parent
NAT_ADDRESS = "127.200.0.1"


def own_address(i: int) -> str:
    """Honest visitor i's loopback address: a /24 of its own."""
    return f"127.{1 + i // 256}.{i % 256}.1"


def run_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(
        DJANGO_SETTINGS_MODULE="facegallery.settings",
        DATABASE_URL=database_url,
        REDIS_URL=redis_database(args.redis_db),
        DEBUG="0",
        HTTPS="1",
        TRUSTED_PROXY_COUNT="1",
        SECRET_KEY=f"attack-bench-{uuid.uuid4().hex}-not-for-production",
        VOTER_HASH_SALT=f"attack-bench-{uuid.uuid4().hex}",
        ALLOWED_HOSTS="localhost,127.0.0.1",
        LOG_LEVEL="WARNING",
        FACEGALLERY_TORCH_THREADS="1",
        FACEGALLERY_TICK_SECONDS="1",
        # Retrains happen when the bench says, not when beat finds them due.
        FACEGALLERY_SCORER_RETRAIN_MIN_NEW_VOTES="1000000000",
        FACEGALLERY_SCORER_CHECK_SECONDS="86400",
        FACEGALLERY_SCORER_MIN_FACES=str(args.min_training_faces),
    )
    return env


def manage(env: dict[str, str], *argv: str) -> str:
    done = subprocess.run(
        [sys.executable, "manage.py", *argv], cwd=REPO_ROOT, env=env, check=True,
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    return done.stdout.strip()


def retrain(env: dict[str, str], seed: int) -> str:
    """Train a scorer version now (the admin's "retrain now"); its one-line report."""
    return manage(env, "retrain_scorer", "--seed", str(seed)).splitlines()[-1]


def measure(tastes: list[str], count: int, timeout_s: float = 600) -> dict:
    """The tastes' shares on the next `count` draws (the worker draws flat out meanwhile)."""
    from bench.attack_measure import drawn_after, face_id_max, rule_shares
    from facegallery.gallery.models import GenerationSettings

    start = face_id_max()
    saved = GenerationSettings.current().target_pool_size
    GenerationSettings.objects.update(target_pool_size=10_000_000)
    deadline = time.monotonic() + timeout_s
    try:
        while drawn_after(start) < count and time.monotonic() < deadline:
            time.sleep(1)
    finally:
        GenerationSettings.objects.update(target_pool_size=saved)
    return rule_shares(tastes, after_id=start, limit=count)


def run_one(name: str, args: argparse.Namespace, attackers: list[str]) -> dict:
    with ExitStack() as stack:
        env = run_env(args, scratch_database(stack, "attack"))
        import redis

        redis.Redis.from_url(env["REDIS_URL"]).flushdb()  # this run's broker and limits only
        manage(env, "migrate", "--no-input", "-v0")
        manage(env, "collectstatic", "--no-input", "-v0")
        os.environ.update({k: env[k] for k in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY",
                                                "VOTER_HASH_SALT", "HTTPS", "DEBUG")})  # fmt: skip
        django_setup()
        return _run(name, args, attackers if name == "attacked" else [], env, stack)
    raise AssertionError("unreachable")


def _run(name, args, attackers, env, stack: ExitStack) -> dict:
    from bench import attack_measure as db
    from facegallery.gallery.models import Face

    children = start_generation(env)
    stack.callback(_stop, children)
    server, web_port = gunicorn_start(env, workers=args.web_workers, threads=args.web_threads)
    stack.callback(_stop, [server])
    proxy = None
    if nginx_binary() and not args.no_proxy:
        proxy = start_nginx(web_port, Path(stack.enter_context(tempfile.TemporaryDirectory())))
        stack.callback(proxy.stop)
    endpoint = Endpoint(proxy.https_port, True) if proxy else Endpoint(web_port, False)
    direct = Endpoint(web_port, False)
    first_face = None
    while first_face is None:
        time.sleep(1)
        first_face = Face.objects.select_related("generator").first()
    scale = first_face.generator.scale_factor
    print(f"{name}: site up ({'behind nginx' if proxy else 'direct'}), faces drawing", flush=True)

    think = tuple(float(s) for s in args.think.split(","))
    taste = Taste(HONEST_TASTE, scale)
    stop_honest, honest_threads = threading.Event(), []
    groups = {"own address each": Tally(), "one shared address": Tally()}
    clients: dict[str, list[str]] = {group: [] for group in groups}
    for i in range(args.visitors + args.nat_visitors):
        group = "own address each" if i < args.visitors else "one shared address"
        address = own_address(i) if i < args.visitors else NAT_ADDRESS
        client = WebClient(endpoint, address=address, tally=groups[group])
        clients[group].append(address)
        thread = threading.Thread(
            target=honest_visitor, args=(client,),
            kwargs={"taste": taste, "stop": stop_honest, "seed": args.seed * 1000 + i,
                    "think_s": think}, daemon=True,
        )  # fmt: skip
        thread.start()
        honest_threads.append(thread)
    stack.callback(stop_honest.set)
    time.sleep(args.warmup)
    tastes = [HONEST_TASTE, STEERING_RULE]
    first = retrain(env, args.seed)
    print(f"{name}: {first}", flush=True)
    before = measure(tastes, args.measure_faces)

    outcomes, attack_threads, stop_attack = _start_attackers(
        attackers, endpoint, direct, proxy, scale, args
    )
    best_rank: dict[str, int] = {}
    sampler = threading.Thread(target=_sample_ranks, args=(outcomes, stop_attack, best_rank))
    sampler.start()
    print(f"{name}: {len(attackers)} attackers for {args.duration} s", flush=True)
    time.sleep(args.duration)
    stop_attack.set()
    for thread in attack_threads:
        thread.join(timeout=60)
    sampler.join(timeout=60)
    stop_honest.set()
    for thread in honest_threads:
        thread.join(timeout=60)
    # The voters established near the end: their pending votes are being counted.
    deadline = time.monotonic() + 120
    while db.vouches_waiting() and time.monotonic() < deadline:
        time.sleep(1)
    second = retrain(env, args.seed)
    print(f"{name}: {second}", flush=True)
    after = measure(tastes, args.measure_faces)

    honest = {}
    for group, tally in groups.items():
        seen = tally.summary()
        votes = db.votes_of(clients[group])
        puts = {k: n for k, n in seen["statuses"].items() if k.startswith("PUT ")}
        acknowledged = sum(n for key, n in puts.items() if key.endswith(" 200"))
        honest[group] = {
            "clients": len(clients[group]),
            "votes_acknowledged": acknowledged,
            **votes,
            "counted_pct": 100 * votes["counted"] / max(votes["recorded"], 1),
            **{k: v for k, v in seen.items() if k != "statuses"},
        }
    # The filter's lift of a rule: its share among the admitted draws minus among all draws
    # of the same sample. Batches differ in temperature, which moves both shares alike, so
    # the lift compares across samples where the shares alone would not.
    shifts = {}
    for rule in tastes:
        lift_before, lift_after = (_lift(sample.get(rule)) for sample in (before, after))
        shifts[rule] = {
            "drawn_pct": after.get(rule, {}).get("drawn_pct"),
            "admitted_pct": after.get(rule, {}).get("admitted_pct"),
            "lift_before": lift_before,
            "lift_after": lift_after,
            "shift_points": (
                None if lift_before is None or lift_after is None else lift_after - lift_before
            ),
        }
    return {
        "proxy": bool(proxy),
        "honest": honest,
        "loop": {"retrain_before": first, "retrain_after": second, "before": before,
                 "after": after, "shifts": shifts},
        "attackers": [_attacker_result(o, best_rank) for o in outcomes],
        "page_size": _page_size(),
    }  # fmt: skip


def _lift(shares: dict | None) -> float | None:
    if not shares or shares.get("admitted_pct") is None:
        return None
    return shares["admitted_pct"] - shares["drawn_pct"]


def _stop(processes: list[subprocess.Popen]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        process.wait(timeout=60)


def _page_size() -> int:
    from django.conf import settings

    return settings.GALLERY_PAGE_SIZE


def _start_attackers(attackers, endpoint, direct, proxy, scale, args):
    from facegallery.gallery.models import Face, FaceStatus
    from facegallery.gallery.selectors import face_pool

    stop = threading.Event()
    pool = face_pool().filter(status=FaceStatus.VISIBLE).order_by("-id")
    fresh = iter(pool.values_list("id", flat=True)[:50])  # unvoted faces, one per attacker
    outcomes, threads = [], []
    targets: set[int] = set()
    for k, attacker in enumerate(attackers):
        outcome = strategies.Outcome(attacker, address=f"127.66.{k}.1")
        outcomes.append(outcome)
        if attacker in strategies.ONE_FACE:
            newest = Face.objects.order_by("-id").values_list("id", flat=True)
            outcome.target = next(fresh, None) or newest[0]
            targets.add(outcome.target)
        if attacker in ("rotating-xff-proxied", "slow-headers") and proxy is None:
            outcome.notes["skipped"] = "needs nginx"
            continue
        if attacker == "steering":
            rule = Taste(STEERING_RULE, scale)
            run = partial(strategies.steerer, endpoint, rule=rule, avoid=targets)
        elif attacker == "report-flooding":
            run = partial(strategies.report_flooder, endpoint)
        elif attacker == "slow-headers":
            health = proxy.https_url + "/healthz"
            run = partial(strategies.slow_headers, proxy.http_port, health,
                          count=args.slow_connections)  # fmt: skip
        else:
            where = direct if attacker == "rotating-xff-direct" else endpoint
            run = partial(strategies.ONE_FACE[attacker], where)
        thread = threading.Thread(target=run, args=(outcome, stop), daemon=True)
        thread.start()
        threads.append(thread)
    return outcomes, threads, stop


def _sample_ranks(outcomes, stop: threading.Event, best: dict[str, int]) -> None:
    from django.db import connection

    from bench.attack_measure import rank_most_interesting

    while True:
        for outcome in outcomes:
            if outcome.target is not None:
                rank = rank_most_interesting(outcome.target)
                if rank is not None:
                    best[outcome.name] = min(best.get(outcome.name, rank), rank)
        if stop.wait(10):
            break
    connection.close()


def _attacker_result(outcome: strategies.Outcome, best_rank: dict[str, int]) -> dict:
    from bench import attack_measure as db

    seen = outcome.tally.summary()
    writes = {k: n for k, n in seen["statuses"].items() if k.split()[0] in ("PUT", "POST")}
    result = {
        "name": outcome.name,
        "accepted": sum(n for key, n in writes.items() if key.endswith((" 200", " 201"))),
        "identities": outcome.identities,
        "addresses": len(outcome.addresses),
        "notes": outcome.notes,
        **{k: v for k, v in seen.items() if k != "statuses"},
        "statuses": seen["statuses"],
    }
    if outcome.addresses:
        result.update(db.votes_of(outcome.addresses))
    if outcome.target is not None:
        rank = db.rank_most_interesting(outcome.target)
        best = min(filter(None, [best_rank.get(outcome.name), rank]), default=None)
        result.update(
            target=outcome.target,
            counted_on_target=db.counted_on(outcome.target, outcome.addresses),
            rank_final=rank,
            rank_best=best,
            first_page=best is not None and best <= _page_size(),
        )
    if outcome.name == "report-flooding":
        result["reports_accepted"] = db.reports_of(outcome.addresses)
    return result
