"""A short run of the attack bench (python -m bench.attack): every attacker runs against the
production settings behind the deployment's nginx while honest visitors vote, and the bench
reports what each achieved. What must hold whatever the voting rules: honest visitors get no
5xx, the proxy hides the addresses a client makes up, slow clients do not take /healthz down.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from bench.attack import ATTACKERS
from bench.proxy import nginx_binary
from tests.conftest import REPO_ROOT

pytestmark = pytest.mark.slow


def test_a_short_attack_run_reports_every_attacker_and_the_honest_visitors(tmp_path):
    if nginx_binary() is None:
        pytest.skip("nginx is not installed (make test installs Debian's nginx-light)")
    results = tmp_path / "attack.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    run = subprocess.run(
        [sys.executable, "-m", "bench.attack", "--runs", "attacked", "--duration", "10",
         "--warmup", "8", "--visitors", "4", "--nat-visitors", "3", "--measure-faces", "100",
         "--min-training-faces", "10", "--slow-connections", "16", "--web-workers", "2",
         "--json", str(results)],
        cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "| attacker" in run.stdout  # the table
    attacked = json.loads(results.read_text())["runs"]["attacked"]
    assert attacked["proxy"] is True
    attackers = {a["name"]: a for a in attacked["attackers"]}
    assert set(attackers) == set(ATTACKERS)
    for group in attacked["honest"].values():
        assert group["votes_acknowledged"] > 0 and group["recorded"] > 0
        assert group["5xx"] == group["no_answer"] == 0
    # Through nginx the made-up X-Forwarded-For is ignored: one address, however many it wrote.
    assert attackers["rotating-xff-proxied"]["addresses"] == 1
    assert attackers["rotating-xff-direct"]["addresses"] > 1
    slow = attackers["slow-headers"]["notes"]
    assert slow["healthz_probes"] > 5 and slow["healthz_failed"] == 0
    # Without a voter ticket a self-made CSRF token gets no vote counted.
    assert attackers["forged-csrf"]["counted_on_target"] == 0
    for rule in attacked["loop"]["shifts"].values():
        assert rule["drawn_pct"] is not None and rule["lift_after"] is not None
