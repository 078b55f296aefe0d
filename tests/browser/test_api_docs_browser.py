"""/api/docs in real headless Chromium, under the site's own Content-Security-Policy: Swagger
UI loads from our static files (no CDN, which the policy would block: a blank page), lists
the operations from /api/openapi.json, and the browser reports no policy violation."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from selenium.webdriver.common.by import By

from tests.browser.test_gallery_browser import browser, wait  # noqa: F401 - the fixture

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# Runs before any of the page's own scripts (CDP), so it sees every violation.
RECORD_VIOLATIONS = """
window.cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.cspViolations.push(e.violatedDirective + " " + e.blockedURI);
});
"""


def test_the_api_docs_load_from_our_own_origin_under_the_csp(browser, live_server):  # noqa: F811
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    browser.get(live_server.url + "/api/docs")
    title = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".swagger-ui .info .title"))
    assert "Face Gallery API" in title[0].text
    paths = wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path"))
    assert "/api/faces" in {path.text.replace("\u200b", "") for path in paths}

    loaded = browser.execute_script(
        "return performance.getEntriesByType('resource').map((r) => r.name)"
    )
    origin = urlsplit(live_server.url).netloc
    scripts_and_styles = [url for url in loaded if url.endswith((".js", ".css"))]
    assert any("swagger-ui-bundle" in url for url in scripts_and_styles)
    assert [url for url in loaded if urlsplit(url).netloc != origin] == []
    assert browser.execute_script("return window.cspViolations") == []


def test_the_api_docs_page_is_served_with_the_policy(client):
    response = client.get("/api/docs")
    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "cdn" not in response.content.decode().lower()
