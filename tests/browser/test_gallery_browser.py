"""The site in real headless Chromium (Selenium) against live_server.

Screenshots of each page at phone (390 px) and desktop (1280 px) width are kept in
var/artifacts/screenshots/ for a person to look at.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ec
from selenium.webdriver.support.ui import WebDriverWait

from facegallery.gallery.models import Face
from facegallery.voting.models import Vote
from tests.conftest import REPO_ROOT
from tests.factories import FaceFactory

pytestmark = [
    pytest.mark.slow,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("voters_established_at_once"),  # counts move at the first vote
]
SHOTS = REPO_ROOT / "var" / "artifacts" / "screenshots"
WIDTHS = {"phone": (390, 844), "desktop": (1280, 900)}


@pytest.fixture
def browser():
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian chromium is not installed")
    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--no-first-run", f"--user-data-dir={profile}", "--force-prefers-reduced-motion",
    ):  # fmt: skip
        options.add_argument(flag)
    service = webdriver.ChromeService(executable_path="/usr/bin/chromedriver")
    driver = webdriver.Chrome(service=service, options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


def shoot(driver, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in WIDTHS.items():
        driver.set_window_size(width, height)
        driver.save_screenshot(str(SHOTS / f"{name}-{size}.png"))


def wait(driver, condition, timeout: float = 10):
    # htmx swaps the vote card out from under a lookup now and then: look again.
    return WebDriverWait(
        driver, timeout, ignored_exceptions=(StaleElementReferenceException,)
    ).until(condition)


def counts(face_id: int) -> tuple[int, int]:
    face = Face.objects.get(pk=face_id)
    return face.interesting_count, face.boring_count


def test_the_gallery_votes_from_a_tile_and_shows_the_face_page(browser, live_server):
    faces = FaceFactory.create_batch(30, interesting_count=1)
    Face.objects.filter(pk=faces[3].pk).update(featured=True)
    browser.set_window_size(*WIDTHS["desktop"])
    browser.get(live_server.url + "/")
    tiles = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "li.tile"))
    assert tiles[0].get_attribute("id") == f"f{faces[3].pk}"  # featured first
    shoot(browser, "gallery")

    tile = browser.find_element(By.ID, f"f{faces[-1].pk}")
    tile.find_element(By.CSS_SELECTOR, "button.interesting").click()
    wait(browser, lambda d: counts(faces[-1].pk) == (2, 0))
    wait(
        browser,
        lambda d: d.find_element(By.CSS_SELECTOR, f"#f{faces[-1].pk} button.interesting")
        .get_attribute("aria-pressed") == "true",
    )  # fmt: skip
    pressed = browser.find_element(By.CSS_SELECTOR, f"#f{faces[-1].pk} button.interesting")
    assert pressed.find_element(By.CSS_SELECTOR, ".count").text == "2"
    assert browser.current_url == live_server.url + "/"  # htmx: no page load

    browser.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "li.tile")) == 30)

    browser.get(f"{live_server.url}/faces/{faces[0].pk}")
    wait(browser, ec.visibility_of_element_located((By.CSS_SELECTOR, "[data-replay]"))).click()
    shoot(browser, "face")
    browser.get(f"{live_server.url}/faces/{faces[0].pk}/report")
    shoot(browser, "report")
    browser.get(f"{live_server.url}/faces/999999")
    shoot(browser, "404")


def test_vote_mode_votes_undoes_and_skips_with_the_keyboard(browser, live_server):
    FaceFactory.create_batch(6)
    browser.set_window_size(*WIDTHS["desktop"])
    browser.get(live_server.url + "/vote/")

    def current() -> int:
        return int(
            wait(browser, lambda d: d.find_element(By.ID, "vote-card")).get_attribute("data-face")
        )

    def next_card(previous: int) -> int:
        wait(
            browser,
            lambda d: (
                d.find_element(By.ID, "vote-card").get_attribute("data-face") != str(previous)
            ),
        )
        return current()

    shoot(browser, "vote-mode")
    body = browser.find_element(By.TAG_NAME, "body")
    first = current()
    body.send_keys(Keys.ARROW_RIGHT)
    second = next_card(first)
    assert Vote.objects.get(face_id=first).label == "interesting"
    body.send_keys("j")
    third = next_card(second)
    assert Vote.objects.get(face_id=second).label == "boring"
    assert browser.find_element(By.CSS_SELECTOR, "[data-vote-count]").text == "2"

    body.send_keys("u")
    assert next_card(third) == second  # the undone face comes back
    assert not Vote.objects.filter(face_id=second).exists()
    assert browser.find_element(By.CSS_SELECTOR, "[data-vote-count]").text == "1"

    body.send_keys("s")
    after_skip = next_card(second)
    assert after_skip not in (first, second)
    assert Vote.objects.count() == 1
    assert counts(first) == (1, 0)
