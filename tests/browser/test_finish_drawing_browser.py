"""Finish my drawing in real headless Chromium: a phone-sized page drawn on with touch (the
page does not scroll), undo by keyboard, the drawing sent to the API, and the finished faces
shown as they land; axe finds nothing on the page.

The worker's part is played by the test: it runs face_generate_batch on the batch the page
queued (the real service, the real decoder), as a worker does after the request commits.
"""

from __future__ import annotations

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from facegallery.gallery.models import FaceOrigin, GenerationBatch
from facegallery.generation.services.batches import face_generate_batch
from facegallery.generation.services.priming import PRIMED_COUNT
from generator import strokes as stroke_formats
from tests.browser import test_gallery_browser
from tests.browser.axe import axe_report, axe_violations
from tests.browser.test_gallery_browser import WIDTHS, shoot, wait
from tests.factories import face_generator

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
browser = test_gallery_browser.browser  # the same headless Chromium fixture


def touch_stroke(driver, points: list[tuple[float, float]]) -> None:
    """One finger stroke through `points` (page coordinates in CSS pixels), as a phone
    sends it: touchStart, touchMoves, touchEnd (Chromium turns them into pointer events)."""
    kinds = ["touchStart", *["touchMove"] * (len(points) - 1)]
    for kind, (x, y) in zip(kinds, points, strict=True):
        touch = {"type": kind, "touchPoints": [{"x": x, "y": y}]}
        driver.execute_cdp_cmd("Input.dispatchTouchEvent", touch)
    driver.execute_cdp_cmd("Input.dispatchTouchEvent", {"type": "touchEnd", "touchPoints": []})


def status(driver) -> str:
    return driver.find_element(By.CSS_SELECTOR, "[data-status]").text


def test_a_phone_visitor_draws_undoes_and_sees_the_network_finish_the_face(browser, live_server):
    face_generator()
    browser.set_window_size(*WIDTHS["phone"])
    browser.execute_cdp_cmd("Emulation.setTouchEmulationEnabled", {"enabled": True})
    browser.get(live_server.url + "/finish/")
    assert axe_violations(browser) == [], axe_report("finish", axe_violations(browser))
    submit = browser.find_element(By.CSS_SELECTOR, "[data-submit]")
    assert not submit.is_enabled()  # nothing drawn, nothing to send

    canvas = browser.find_element(By.CSS_SELECTOR, "[data-canvas]")
    browser.execute_script("window.scrollTo(0, 120)")
    box = browser.execute_script(
        "const r = arguments[0].getBoundingClientRect(); return [r.left, r.top, r.width];",
        canvas,
    )
    left, top, side = box
    assert side <= WIDTHS["phone"][0]  # the canvas fits the phone

    def at(u: float, v: float) -> tuple[float, float]:
        return left + u * side, top + v * side

    scrolled = browser.execute_script("return window.scrollY")
    # An outline's arc downwards: on a page that could scroll, a finger dragging up would.
    touch_stroke(browser, [at(0.3, 0.8 - 0.05 * i) for i in range(10)])
    touch_stroke(browser, [at(0.4 + 0.02 * i, 0.4) for i in range(6)])  # an eye
    wait(browser, lambda d: status(d) == "2 strokes drawn.")
    assert browser.execute_script("return window.scrollY") == scrolled  # drawing, not scrolling

    canvas.send_keys(Keys.CONTROL, "z")
    wait(browser, lambda d: status(d) == "Last stroke undone.")
    touch_stroke(browser, [at(0.6, 0.3 + 0.03 * i) for i in range(5)])  # another stroke
    wait(browser, lambda d: status(d) == "2 strokes drawn.")
    shoot(browser, "finish")

    browser.set_window_size(*WIDTHS["phone"])
    submit.click()
    wait(browser, lambda d: "finishing your drawing" in status(d))
    batch = GenerationBatch.objects.get()
    assert batch.origin == FaceOrigin.VISITOR_PRIMED
    prime = stroke_formats.stroke3_from_bytes(bytes(batch.prime or b""))
    assert int(prime[:, 2].sum()) == 2 and prime[-1, 2] == 1  # two strokes, the last one ended

    face_generate_batch(batch_id=batch.pk)  # the worker's part
    wait(
        browser,
        lambda d: (
            len(d.find_elements(By.CSS_SELECTOR, "#primed-faces .primed-face")) == PRIMED_COUNT
        ),
        timeout=15,
    )
    assert f"All {PRIMED_COUNT} faces drawn" in browser.find_element(By.ID, "primed-progress").text
    link = browser.find_element(By.CSS_SELECTOR, "[data-page-link]")
    assert link.get_attribute("href").endswith(f"/primed/{batch.pk}")
    shoot(browser, "finish-results")

    browser.set_window_size(*WIDTHS["phone"])
    browser.get(link.get_attribute("href"))  # the drawing's own page, as a link shares it
    assert len(browser.find_elements(By.CSS_SELECTOR, ".primed-face")) == PRIMED_COUNT
    assert browser.find_elements(By.CSS_SELECTOR, "#primed-poll[hx-get]") == []  # done
    # Five links in the header since "Draw": they still fit a phone without scrolling.
    assert browser.execute_script(
        "const nav = document.querySelector('.site-nav'); return nav.scrollWidth <= nav.clientWidth"
    )
    shoot(browser, "primed")
