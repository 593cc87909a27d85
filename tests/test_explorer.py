"""The explorer end to end in headless Chromium (Debian's chromium and chromium-driver), started by the tests.

Skipped when Chromium or its driver is absent, unless ``KG_REQUIRE_BROWSER=1``
(as CI sets it, having installed them), which turns the skip into a failure.
"""

from __future__ import annotations

import os
import shutil
from urllib.parse import urlencode

import pytest

from kg.server import ServeConfig

from .conftest import Served

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser():
    missing = [p for p in (CHROMIUM, DRIVER) if not os.path.exists(p)]
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        missing.append("selenium")
    if missing:
        if os.environ.get("KG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"browser tests required but missing: {', '.join(missing)}")
        pytest.skip(f"no headless browser: {', '.join(missing)} missing (apt-get install chromium chromium-driver)")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--window-size=1280,1200"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    driver.implicitly_wait(0)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def site(served_copy):
    with served_copy() as store:
        running = Served(store, ServeConfig(token="browser-token", quiet=True))
        yield running
        running.stop()


def wait_for(browser, condition, timeout=15):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(browser, timeout).until(lambda d: condition(d))


def no_errors(browser):
    return [e["message"] for e in browser.get_log("browser") if e["level"] == "SEVERE"]


def test_search_then_network_picture(browser, site, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(site.url + "/")
    box = browser.find_element(By.NAME, "q")
    box.send_keys("industrinett")
    box.submit()
    wait_for(browser, lambda d: "Search" in d.title)
    browser.find_element(By.CSS_SELECTOR, "ul.results a").click()
    wait_for(browser, lambda d: d.title.startswith("Raufoss Industrinettverk"))
    graph = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, ".graph[data-drawn]"))
    nodes = graph.find_elements(By.CSS_SELECTOR, "g.node")
    assert len(nodes) == int(graph.get_attribute("data-drawn")) >= 3
    assert len(graph.find_elements(By.CSS_SELECTOR, "line.edge")) >= 2
    labels = {n.find_element(By.TAG_NAME, "text").text for n in nodes}
    assert {"Nammo Raufoss AS", "Benteler Automotive Raufoss AS"} <= labels
    assert "medlemmer av nettverket" in browser.find_element(By.TAG_NAME, "main").text
    assert browser.get_screenshot_as_file(str(tmp_path / "network.png"))
    member = next(n for n in nodes if n.find_element(By.TAG_NAME, "text").text == "Nammo Raufoss AS")
    member.find_element(By.TAG_NAME, "circle").click()
    wait_for(browser, lambda d: d.title.startswith("Nammo Raufoss AS"))
    assert no_errors(browser) == []


def test_region_page_filters_by_kind_of_link(browser, site, tmp_path):
    from selenium.webdriver.common.by import By

    browser.get(site.url + "/region?" + urlencode({"name": "Glåmdalen"}))
    headings = [h.text for h in browser.find_elements(By.TAG_NAME, "h3")]
    assert any(h.startswith("Firms") for h in headings)
    assert "Forestia AS" in browser.find_element(By.TAG_NAME, "main").text
    browser.find_element(By.LINK_TEXT, "located").click()
    wait_for(browser, lambda d: "link=located" in d.current_url)
    summaries = [s.text for s in browser.find_elements(By.CSS_SELECTOR, "ul.facts > li > span.muted")]
    assert summaries and all("located" in s for s in summaries)
    details = browser.find_element(By.CSS_SELECTOR, "ul.facts details")
    details.find_element(By.TAG_NAME, "summary").click()
    assert details.find_element(By.CSS_SELECTOR, "q").is_displayed()
    assert browser.get_screenshot_as_file(str(tmp_path / "region.png"))
    assert no_errors(browser) == []


def test_region_page_pages_through_many_actors(browser, site):
    from selenium.webdriver.common.by import By

    def actors():
        return [a.text for a in browser.find_elements(By.CSS_SELECTOR, "ul.facts > li > a")]

    browser.get(site.url + "/region?" + urlencode({"name": "Innlandet", "limit": 5}))
    pager = browser.find_element(By.CSS_SELECTOR, "p.pager").text
    assert pager.startswith("actors 1–5 of ") and "previous" not in pager
    first = actors()
    browser.find_element(By.LINK_TEXT, "next →").click()
    wait_for(browser, lambda d: "offset=5" in d.current_url)
    assert browser.find_element(By.CSS_SELECTOR, "p.pager").text.startswith("actors 6–10 of ")
    assert len(actors()) == 5 and not set(actors()) & set(first)
    browser.find_element(By.LINK_TEXT, "← previous").click()
    wait_for(browser, lambda d: "offset=0" in d.current_url)
    assert actors() == first
    assert no_errors(browser) == []


def test_sparql_editor_runs_examples(browser, site):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    browser.get(site.url + "/editor")
    Select(browser.find_element(By.NAME, "example")).select_by_visible_text("Members of clusters and networks")
    assert "kg:memberOf" in browser.find_element(By.NAME, "query").get_attribute("value")
    browser.find_element(By.CSS_SELECTOR, "#editor button").click()
    wait_for(browser, lambda d: "rows in" in d.find_element(By.CSS_SELECTOR, "#editor output").text)
    cells = [td.text for td in browser.find_elements(By.CSS_SELECTOR, "#results td")]
    assert "Raufoss Industrinettverk" in cells and "Nammo Raufoss AS" in cells
    query = browser.find_element(By.NAME, "query")
    query.clear()
    query.send_keys("SELEKT nothing")
    browser.find_element(By.CSS_SELECTOR, "#editor button").click()
    error = wait_for(browser, lambda d: d.find_element(By.CSS_SELECTOR, "#results .error"))
    assert error.text.startswith("Error 400")


def test_upload_form_ingests_a_pdf(browser, site, tmp_path):
    from selenium.webdriver.common.by import By

    from .conftest import write_report_pdf

    pdf = write_report_pdf(tmp_path / "nettleser.pdf", "# 1 Innledning\n\nGlåmtre AS på Kirkenær har 40 ansatte.",
                           title="Et notat lastet opp i nettleseren")
    browser.get(site.url + "/reports")
    form = browser.find_element(By.ID, "upload")
    form.find_element(By.NAME, "file").send_keys(str(pdf))
    form.find_element(By.NAME, "token").send_keys("browser-token")
    form.find_element(By.TAG_NAME, "button").click()
    wait_for(browser, lambda d: "Et notat lastet opp i nettleseren" in d.find_element(By.TAG_NAME, "table").text,
             timeout=120)
