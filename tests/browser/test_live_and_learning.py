"""The live page, the gallery taking in new faces, "Is it learning?", and axe-core on every
public page, in real headless Chromium (reduced motion, as test_gallery_browser's).

Screenshots at phone (390 px) and desktop (1280 px) width go to var/artifacts/screenshots/.
"""

from __future__ import annotations

import base64
import time

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ec

from facegallery.gallery.models import Face, FaceStatus
from facegallery.pages import grid, learning, live
from tests.browser import test_gallery_browser
from tests.browser.axe import axe_report, axe_violations
from tests.browser.test_gallery_browser import SHOTS, WIDTHS, shoot, wait
from tests.factories import FaceFactory, VoteFactory
from tests.scoring.test_learning_selectors import scorer_row

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
browser = test_gallery_browser.browser  # the same headless Chromium fixture

SHOWN = "#live-stage [data-face='{0}'], #live-strip [data-face='{0}']"


@pytest.fixture(autouse=True)
def fresh_memos():
    live.live_cache_clear()
    learning.learning_cache_clear()
    grid.grid_cache_clear()
    yield
    live.live_cache_clear()
    learning.learning_cache_clear()


def shoot_whole(driver, name: str) -> None:
    """Like `shoot`, but the whole page, not just what the window shows."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in WIDTHS.items():
        driver.set_window_size(width, height)
        content = driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        # Captured beyond the viewport, the page is laid out without a scrollbar: full width.
        clip = {"x": 0, "y": 0, "width": width, "height": content["height"], "scale": 1}
        shot = driver.execute_cdp_cmd(
            "Page.captureScreenshot", {"captureBeyondViewport": True, "clip": clip}
        )
        (SHOTS / f"{name}-{size}.png").write_bytes(base64.b64decode(shot["data"]))


def shown_ids(driver) -> list[str]:
    items = driver.find_elements(
        By.CSS_SELECTOR, "#live-stage [data-face], #live-strip [data-face]"
    )
    return [item.get_attribute("data-face") for item in items]


def test_the_live_page_shows_a_new_face_within_5_seconds_without_a_reload(browser, live_server):
    FaceFactory.create_batch(4)
    browser.set_window_size(*WIDTHS["desktop"])
    browser.get(live_server.url + "/live")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-stage [data-face]"))
    browser.execute_script("window.notReloaded = true")

    face = FaceFactory.create()  # committed now: the live server sees it
    inserted = time.monotonic()
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, SHOWN.format(face.pk)), timeout=5)
    assert time.monotonic() - inserted < 5
    assert browser.execute_script("return window.notReloaded") is True

    # A burst (a batch lands dozens at once): the newest are drawn in turn, the strip keeps
    # LIVE_STRIP faces, and no face shows twice.
    burst = FaceFactory.create_batch(20)
    wait(
        browser,
        lambda d: d.find_elements(By.CSS_SELECTOR, f"#live-stage [data-face='{burst[-1].pk}']"),
    )
    ids = shown_ids(browser)
    assert len(ids) == len(set(ids)) <= live.LIVE_STRIP + 1
    shoot_whole(browser, "live")


def test_with_motion_a_new_face_starts_drawing_within_5_seconds(browser, live_server):
    FaceFactory.create_batch(2)
    browser.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {"features": [{"name": "prefers-reduced-motion", "value": "no-preference"}]},
    )
    browser.set_window_size(*WIDTHS["desktop"])
    browser.get(live_server.url + "/live")
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#live-stage [data-face]"))
    drawing = "return document.querySelector('#live-stage svg').getAnimations({subtree: true})"
    assert browser.execute_script(drawing + ".length") > 0  # the first face is being drawn

    faces = FaceFactory.create_batch(2)  # while it draws: it speeds up, then they come in turn
    inserted = time.monotonic()
    on_stage = "#live-stage [data-face='{}']"
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, on_stage.format(faces[0].pk)), 5)
    assert time.monotonic() - inserted < 5
    wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, on_stage.format(faces[1].pk)), 10)
    assert browser.find_elements(By.CSS_SELECTOR, f"#live-strip [data-face='{faces[0].pk}']")


def test_the_gallery_fills_its_empty_page_and_offers_new_faces(browser, live_server, monkeypatch):
    monkeypatch.setattr(grid, "GALLERY_POLL_SECONDS", 1)
    browser.set_window_size(*WIDTHS["phone"])
    browser.get(live_server.url + "/")
    assert "No faces yet" in browser.page_source
    first = FaceFactory.create()
    wait(browser, lambda d: d.find_elements(By.ID, f"f{first.pk}"))  # reloaded by itself

    browser.execute_script("window.notReloaded = true")
    newer = FaceFactory.create_batch(2)
    button = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".new-faces-show"))
    assert "2 new faces: show" in button.text
    shoot(browser, "gallery-new-faces")
    button.click()
    wait(browser, lambda d: d.find_elements(By.ID, f"f{newer[-1].pk}"))
    tiles = browser.find_elements(By.CSS_SELECTOR, "li.tile")
    assert [t.get_attribute("id") for t in tiles[:3]] == [f"f{f.pk}" for f in (*newer[::-1], first)]
    assert browser.execute_script("return window.notReloaded") is True
    assert not browser.find_elements(By.CSS_SELECTOR, ".new-faces-show")


TILE_ROWS_JS = """
const rows = {};
for (const tile of document.querySelectorAll("li.tile")) {
  const box = tile.getBoundingClientRect();
  const bar = tile.querySelector("form.vote").getBoundingClientRect();
  (rows[Math.round(box.top)] ||= []).push([box.height, box.bottom - bar.bottom, bar.height]);
}
return Object.values(rows);
"""


def test_gallery_tiles_line_up_at_phone_and_desktop_widths(browser, live_server):
    faces = FaceFactory.create_batch(13)  # five drawings of different shapes, in turn
    Face.objects.filter(pk=faces[4].pk).update(featured=True)
    browser.get(live_server.url + "/")
    for size in WIDTHS:
        browser.set_window_size(*WIDTHS[size])
        rows = wait(browser, lambda d: d.execute_script(TILE_ROWS_JS))
        assert len(rows) > 1
        for row in rows:
            heights = {round(height) for height, _, _ in row}
            assert len(heights) == 1, f"{size}: tiles of one row differ in height: {row}"
            assert all(gap < 2 for _, gap, _ in row), f"{size}: a gap under a vote bar: {row}"
            assert len({round(bar) for _, _, bar in row}) == 1


def learning_data() -> None:
    """Three scorer versions, the active one with faces let through and held back, votes."""
    unfiltered = FaceFactory.create_batch(6)
    for face in unfiltered[:4]:
        VoteFactory.create(face=face, label="boring")
    VoteFactory.create(face=unfiltered[4], label="interesting")
    scorer_row(1, note="first version: nothing to beat", auc=0.58)
    scorer_row(2, promoted=False, note="AUC 0.55 does not beat v1's 0.58", auc=0.55)
    scorer_row(3, is_active=True, auc=0.66, incumbent_version=1, incumbent_auc=0.57)
    shown = FaceFactory.create_batch(6, scorer_version=3)
    for face in shown[:3]:
        VoteFactory.create(face=face, label="interesting")
    VoteFactory.create(face=shown[3], label="boring")
    FaceFactory.create_batch(6, scorer_version=3, status=FaceStatus.FILTERED)


def test_is_it_learning_reads_on_a_phone(browser, live_server):
    learning_data()
    browser.set_window_size(*WIDTHS["phone"])
    browser.get(live_server.url + "/learning")
    chart = wait(browser, lambda d: d.find_element(By.ID, "chart-share"))
    assert chart.size["width"] <= 390
    ticks = [t.text for t in chart.find_elements(By.CSS_SELECTOR, "text.tick")]
    assert ticks[-4:] == ["none", "v1", "v2", "v3"]
    shoot_whole(browser, "learning")


def vote_without_htmx(driver, label: str) -> None:
    """Post the face page's vote form as a browser without JavaScript would, and wait for
    the page it answers with."""
    page = driver.find_element(By.TAG_NAME, "html")
    driver.execute_script(
        """const form = document.querySelector("form.vote");
        const input = document.createElement("input");
        input.type = "hidden"; input.name = "label"; input.value = arguments[0];
        form.appendChild(input);
        HTMLFormElement.prototype.submit.call(form);""",
        label,
    )
    wait(driver, ec.staleness_of(page))
    wait(driver, lambda d: d.execute_script("return document.readyState") == "complete")


def test_every_public_page_passes_axe_in_light_and_dark(browser, live_server, settings):
    learning_data()
    face = FaceFactory.create()
    sorts = ("newest", "interesting", "boring", "controversial", "random")
    pages = {f"gallery, {sort}": f"/?sort={sort}" for sort in sorts}
    pages |= {
        "face page": f"/faces/{face.pk}",
        "vote mode": "/vote/",
        "live": "/live",
        "is it learning?": "/learning",
        "report page": f"/faces/{face.pk}/report",
        "404": "/faces/999999999",
    }
    problems = []
    for scheme, size in (("light", "desktop"), ("dark", "phone")):
        browser.execute_cdp_cmd(
            "Emulation.setEmulatedMedia",
            {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
        )
        browser.set_window_size(*WIDTHS[size])
        for name, path in pages.items():
            browser.get(live_server.url + path)
            wait(browser, lambda d: d.execute_script("return document.readyState") == "complete")
            if violations := axe_violations(browser):
                problems.append(axe_report(f"{name} ({scheme}, {size})", violations))
        # 429: a second plain (no htmx) vote over a limit of one.
        settings.VOTE_RATE_PER_VOTER = 1
        browser.get(f"{live_server.url}/faces/{face.pk}")
        for label in ("interesting", "boring"):
            vote_without_htmx(browser, label)
        assert "429" in browser.find_element(By.CSS_SELECTOR, ".error-code").text
        if violations := axe_violations(browser):
            problems.append(axe_report(f"429 ({scheme}, {size})", violations))
        if scheme == "light":
            shoot(browser, "429")
        settings.VOTE_RATE_PER_VOTER = 120
        browser.delete_all_cookies()
    assert not problems, "\n\n".join(problems)
