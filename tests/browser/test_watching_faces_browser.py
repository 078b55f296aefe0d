"""Watching a face draw, in real headless Chromium: a face is whole 2.5 s after its page
loads (face page and vote mode), a tap or Space shows it whole at once, reduced motion shows
it whole from the start; previous/next links, link previews, vote mode's report form, focus
after a keyboard vote and the countdown after a refused one.

These browsers run WITHOUT --force-prefers-reduced-motion (test_gallery_browser's does), so
the drawing is animated, except in the one test that asks for reduced motion.
"""

from __future__ import annotations

import io
import shutil
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from facegallery.gallery.pictures import MAX_DRAW_SECONDS, SHARE_HEIGHT, SHARE_WIDTH
from facegallery.voting.models import Report, Vote
from tests.browser.test_gallery_browser import WIDTHS, shoot, wait
from tests.factories import FaceFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]
WHOLE_AFTER = 2.5  # s after the page loads: the promise (a face takes about 1.5 s)
SETTLED_AFTER = 10.0  # s: long after any drawing has ended

# Every running CSS animation of the drawing ends by then (ms from its start).
DRAWING_ENDS_JS = """
const svg = document.querySelector(arguments[0]);
const ends = svg.getAnimations({subtree: true}).map(a => a.effect.getComputedTiming().endTime);
return ends.length ? Math.max(...ends) : 0;
"""


@pytest.fixture
def chromium() -> Iterator[Callable[..., webdriver.Chrome]]:
    """Start headless Chromium with motion (or, asked, with reduced motion); quits them all."""
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed")
    started: list[tuple[webdriver.Chrome, str]] = []

    def start(*, reduced_motion: bool = False) -> webdriver.Chrome:
        profile = tempfile.mkdtemp(prefix="chromium-")
        options = webdriver.ChromeOptions()
        options.binary_location = "/usr/bin/chromium"
        flags = [
            "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--disable-background-networking", "--disable-component-update", "--disable-sync",
            "--no-first-run", f"--user-data-dir={profile}",
            # Both tabs of the timing test keep running while the other one is in front.
            "--disable-renderer-backgrounding", "--disable-background-timer-throttling",
            "--disable-backgrounding-occluded-windows",
        ]  # fmt: skip
        if reduced_motion:
            flags.append("--force-prefers-reduced-motion")
        for flag in flags:
            options.add_argument(flag)
        service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
        driver = webdriver.Chrome(service=service, options=options)
        driver.implicitly_wait(0)
        driver.set_window_size(*WIDTHS["desktop"])
        started.append((driver, profile))
        return driver

    yield start
    for driver, profile in started:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def drawing_png(driver, selector: str) -> bytes:
    return driver.find_element(By.CSS_SELECTOR, selector).screenshot_as_png


def sleep_until(moment: float) -> None:
    time.sleep(max(0.0, moment - time.monotonic()))


FACE_DRAWING = ".stage svg.drawing"
CARD_DRAWING = ".vote-stage svg.drawing"


def test_a_face_is_whole_2_5_s_after_its_page_loads_and_a_tap_or_space_shows_it_at_once(
    chromium, live_server
):
    faces = FaceFactory.create_batch(5)
    face = faces[2]
    browser = chromium()

    # Chromium's own clock: every real face's drawing ends within MAX_DRAW_SECONDS.
    for each in faces:
        browser.get(f"{live_server.url}/faces/{each.pk}")
        ends_ms = browser.execute_script(DRAWING_ENDS_JS, FACE_DRAWING)
        assert 1000 <= ends_ms <= MAX_DRAW_SECONDS * 1000, (each.pk, ends_ms)

    # Two tabs at once, so the 10 s wait is paid once: the face page and vote mode.
    browser.get(f"{live_server.url}/faces/{face.pk}")
    face_tab, face_loaded = browser.current_window_handle, time.monotonic()
    face_early = drawing_png(browser, FACE_DRAWING)
    browser.switch_to.new_window("tab")
    browser.get(f"{live_server.url}/vote/?face={face.pk}")
    vote_tab, vote_loaded = browser.current_window_handle, time.monotonic()
    assert browser.find_element(By.ID, "vote-card").get_attribute("data-face") == str(face.pk)
    vote_early = drawing_png(browser, CARD_DRAWING)

    def picture_at(tab: str, selector: str, moment: float) -> bytes:
        sleep_until(moment)
        browser.switch_to.window(tab)
        return drawing_png(browser, selector)

    face_soon = picture_at(face_tab, FACE_DRAWING, face_loaded + WHOLE_AFTER)
    vote_soon = picture_at(vote_tab, CARD_DRAWING, vote_loaded + WHOLE_AFTER)
    face_late = picture_at(face_tab, FACE_DRAWING, face_loaded + SETTLED_AFTER)
    vote_late = picture_at(vote_tab, CARD_DRAWING, vote_loaded + SETTLED_AFTER)
    assert face_soon == face_late, "the face page's drawing changed after 2.5 s"
    assert vote_soon == vote_late, "vote mode's drawing changed after 2.5 s"
    assert face_early != face_late and vote_early != vote_late  # it was being drawn

    # A click on the drawing (a tap on a phone) shows it whole at once.
    browser.switch_to.window(face_tab)
    browser.refresh()
    browser.find_element(By.CSS_SELECTOR, FACE_DRAWING).click()
    assert drawing_png(browser, FACE_DRAWING) == face_late
    # So does Space in vote mode, where it votes for nothing.
    browser.switch_to.window(vote_tab)
    browser.refresh()
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.SPACE)
    assert drawing_png(browser, CARD_DRAWING) == vote_late
    assert browser.find_element(By.ID, "vote-card").get_attribute("data-face") == str(face.pk)
    assert not Vote.objects.exists()


def test_reduced_motion_shows_the_face_whole_from_the_start(chromium, live_server):
    face = FaceFactory.create()
    browser = chromium(reduced_motion=True)
    browser.get(f"{live_server.url}/faces/{face.pk}")
    assert browser.execute_script(DRAWING_ENDS_JS, FACE_DRAWING) == 0  # nothing animates
    first = drawing_png(browser, FACE_DRAWING)
    browser.find_element(By.CSS_SELECTOR, FACE_DRAWING).click()  # "whole": nothing to change
    assert drawing_png(browser, FACE_DRAWING) == first


def test_previous_and_next_walk_the_faces_and_the_preview_png_is_real(chromium, live_server):
    faces = FaceFactory.create_batch(3)
    browser = chromium(reduced_motion=True)
    browser.get(f"{live_server.url}/faces/{faces[1].pk}")
    shoot(browser, "face-previous-next")
    browser.set_window_size(*WIDTHS["desktop"])
    browser.find_element(By.CSS_SELECTOR, "a[rel=next]").send_keys(Keys.ENTER)  # keyboard
    wait(browser, lambda d: d.current_url == f"{live_server.url}/faces/{faces[2].pk}")
    assert not browser.find_elements(By.CSS_SELECTOR, "a[rel=next]")  # the newest face
    browser.find_element(By.CSS_SELECTOR, "a[rel=prev]").click()
    browser.find_element(By.CSS_SELECTOR, "a[rel=prev]").click()
    wait(browser, lambda d: d.current_url == f"{live_server.url}/faces/{faces[0].pk}")

    image_url = browser.find_element(By.CSS_SELECTOR, 'meta[property="og:image"]')
    url = image_url.get_attribute("content")
    assert url == f"{live_server.url}/faces/{faces[0].pk}.png"  # absolute
    og_url = browser.find_element(By.CSS_SELECTOR, 'meta[property="og:url"]')
    assert og_url.get_attribute("content") == browser.current_url
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.headers["Content-Type"] == "image/png"
        image = Image.open(io.BytesIO(response.read()))
    assert image.format == "PNG" and image.size == (SHARE_WIDTH, SHARE_HEIGHT)


def test_vote_mode_reports_a_face_without_leaving_it(chromium, live_server):
    face = FaceFactory.create()
    browser = chromium(reduced_motion=True)
    browser.get(f"{live_server.url}/vote/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Interesting or boring?"
    browser.find_element(By.CSS_SELECTOR, ".vote-report summary").click()
    radio = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, "input[value=broken]"))
    radio.click()
    details = browser.find_element(By.CSS_SELECTOR, ".report-form textarea")
    details.send_keys("skips a stroke")  # typed letters are not shortcuts ("s" skips)
    shoot(browser, "vote-mode-report")
    browser.set_window_size(*WIDTHS["desktop"])
    browser.find_element(By.CSS_SELECTOR, ".report-form button[type=submit]").click()
    wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".report-done"))
    report = Report.objects.get()
    assert report.face_id == face.pk and report.reason == "broken: skips a stroke"
    assert browser.current_url == f"{live_server.url}/vote/"
    assert browser.find_element(By.ID, "vote-card").get_attribute("data-face") == str(face.pk)
    assert not Vote.objects.exists()


def focused_vote_button(driver) -> str | None:
    return driver.execute_script(
        "const el = document.activeElement;"
        "return el && el.closest('#vote-card .vote-form') ? el.value : null;"
    )


def test_a_keyboard_vote_keeps_the_focus_on_the_vote_buttons(chromium, live_server):
    FaceFactory.create_batch(4)
    browser = chromium(reduced_motion=True)
    browser.get(f"{live_server.url}/vote/")
    first = browser.find_element(By.ID, "vote-card").get_attribute("data-face")
    browser.find_element(By.TAG_NAME, "body").send_keys(Keys.ARROW_RIGHT)
    wait(browser, lambda d: d.find_element(By.ID, "vote-card").get_attribute("data-face") != first)
    wait(browser, lambda d: focused_vote_button(d) == "interesting")
    second = browser.find_element(By.ID, "vote-card").get_attribute("data-face")

    browser.switch_to.active_element.send_keys(Keys.SPACE)  # Space never votes
    time.sleep(0.3)
    assert Vote.objects.count() == 1
    browser.switch_to.active_element.send_keys(Keys.ENTER)  # Enter presses the focused button
    wait(browser, lambda d: d.find_element(By.ID, "vote-card").get_attribute("data-face") != second)
    wait(browser, lambda d: focused_vote_button(d) == "interesting")
    assert Vote.objects.filter(label="interesting").count() == 2


def rect(driver, selector: str) -> dict:
    return driver.execute_script(
        "const r = document.querySelector(arguments[0]).getBoundingClientRect();"
        "return {top: r.top, bottom: r.bottom, left: r.left, right: r.right};",
        selector,
    )


def overlap(a: dict, b: dict) -> bool:
    return not (
        a["bottom"] <= b["top"]
        or b["bottom"] <= a["top"]
        or a["right"] <= b["left"]
        or b["right"] <= a["left"]
    )


def test_too_many_votes_count_down_over_the_card_and_leave_it_upright(
    chromium, live_server, settings
):
    settings.VOTE_RATE_PER_VOTER = 1  # the second vote of a window is refused
    FaceFactory.create_batch(4)
    browser = chromium(reduced_motion=True)
    browser.get(f"{live_server.url}/vote/")
    body = browser.find_element(By.TAG_NAME, "body")
    for _ in range(3):  # a window may end between two votes: then a third is refused
        card = browser.find_element(By.ID, "vote-card").get_attribute("data-face")
        body.send_keys(Keys.ARROW_LEFT)
        wait(
            browser,
            lambda d, card=card: (
                d.find_element(By.ID, "cooldown").is_displayed()
                or d.find_element(By.ID, "vote-card").get_attribute("data-face") != card
            ),
        )
        if browser.find_element(By.ID, "cooldown").is_displayed():
            break
    cooldown = browser.find_element(By.ID, "cooldown")
    assert cooldown.is_displayed()
    assert "Try again in" in cooldown.text
    seconds = int(cooldown.text.split("Try again in ")[1].split(" ")[0])
    assert 1 <= seconds <= settings.RATE_LIMIT_WINDOW_SECONDS
    assert "try again in" in browser.find_element(By.ID, "cooldown-status").get_attribute(
        "textContent"
    )
    stage = browser.find_element(By.CSS_SELECTOR, ".vote-stage")
    assert "swipe-left" not in stage.get_attribute("class")
    wait(browser, lambda d: stage.value_of_css_property("transform") == "none")
    if seconds > 1:  # it counts down
        wait(browser, lambda d: f"in {seconds} s" not in cooldown.text, timeout=3)
    refused_on = browser.find_element(By.ID, "vote-card").get_attribute("data-face")
    votes = Vote.objects.count()
    body.send_keys(Keys.ARROW_LEFT)  # while it counts down, votes wait
    time.sleep(0.3)
    assert Vote.objects.count() == votes
    assert browser.find_element(By.ID, "vote-card").get_attribute("data-face") == refused_on
    for size, (width, height) in WIDTHS.items():
        browser.set_window_size(width, height)
        assert not overlap(rect(browser, "#cooldown"), rect(browser, ".shortcuts")), size
    shoot(browser, "vote-mode-429")

    # Elsewhere (a face page's vote buttons) the countdown is a toast.
    browser.get(f"{live_server.url}/faces/{refused_on}")
    browser.find_element(By.CSS_SELECTOR, ".vote .vote-btn.interesting").click()
    toast = wait(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".toast.countdown"))
    assert "Try again in" in toast.text
    assert Vote.objects.count() == votes
