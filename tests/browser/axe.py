"""axe-core in the browser tests: a page's accessibility problems, readable in a failure.

axe-core comes from the npm registry, pinned exactly in tools/axe/package-lock.json. `make
test` installs it (the Makefile's test-tools target); a run of the launcher without make
installs it here the first time a test asks (`npm ci`, a second or two).
"""

from __future__ import annotations

import functools
import shutil
import subprocess
import textwrap

from tests.conftest import REPO_ROOT

AXE_DIR = REPO_ROOT / "tools" / "axe"
AXE_JS = AXE_DIR / "node_modules" / "axe-core" / "axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA, and axe's best practices (landmarks, headings, ...).
RUN_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}
RUN_JS = """
const done = arguments[arguments.length - 1];
axe.run(document, arguments[0]).then(
  (result) => done(result.violations),
  (error) => done([{id: "axe-error", impact: "error", help: String(error), nodes: []}]),
);
"""


@functools.cache
def axe_source() -> str:
    if not AXE_JS.exists():
        npm = shutil.which("npm")
        assert npm, "axe-core is missing and npm is not installed: run `make test-tools`"
        subprocess.run(
            [npm, "ci", "--prefix", str(AXE_DIR), "--no-audit", "--no-fund", "--loglevel=error"],
            check=True,
            timeout=300,
        )
    return AXE_JS.read_text()


def axe_violations(driver) -> list[dict]:
    """axe's violations on the page the driver shows now (axe is injected afresh: a page
    load forgets it)."""
    driver.set_script_timeout(60)
    driver.execute_script(axe_source())
    return driver.execute_async_script(RUN_JS, RUN_OPTIONS)


def axe_report(page: str, violations: list[dict]) -> str:
    """One block a violation: rule, impact, what it means, and the elements (a few)."""
    lines = [f"{page}: {len(violations)} accessibility problem(s)"]
    for violation in violations:
        lines.append(
            f"  [{violation.get('impact')}] {violation['id']}: {violation['help']}"
            f" ({violation.get('helpUrl', '')})"
        )
        for node in violation["nodes"][:5]:
            target = " ".join(str(t) for t in node.get("target", []))
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(textwrap.shorten(f"    {target}: {summary}", 300))
        if len(violation["nodes"]) > 5:
            lines.append(f"    ... and {len(violation['nodes']) - 5} more elements")
    return "\n".join(lines)
