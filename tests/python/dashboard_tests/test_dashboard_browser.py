"""The dashboard in a real browser: serve it, load it in headless Chromium, wait for the
charts to draw over Streamlit's websocket, check them and save target/dashboard.png.

Needs Debian's `chromium` and `chromium-driver` (CI installs both). Outside CI a
machine without them skips this test; in CI (CI=true) that is a failure.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from local_servers import free_port, stop, wait_until_healthy

# Not imported from conftest: tests/python has a conftest of its own, and both are module `conftest`.
PROJECT_ROOT = Path(__file__).resolve().parents[3]
APP = PROJECT_ROOT / "dashboard" / "app.py"

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
SCREENSHOT = PROJECT_ROOT / "target" / "dashboard.png"
CHARTS = 7
START_TIMEOUT_S = 60
DRAW_TIMEOUT_S = 90

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("CI"):
        pytest.fail("CI must install Debian's chromium and chromium-driver for the browser test.")
    pytest.skip("chromium / chromedriver not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


@pytest.fixture()
def server(dashboard_database: Path, tmp_path: Path):
    port = free_port()
    # Uploads (the Upload page) go to the test's own folder, not the project's uploads/.
    environment = {**os.environ, "RFM_DUCKDB_PATH": str(dashboard_database),
                   "RFM_UPLOADS_DIR": str(tmp_path / "uploads")}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable, "-m", "streamlit", "run", str(APP),
            "--server.address", "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
        ],
        cwd=PROJECT_ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(process, f"{url}/_stcore/health", START_TIMEOUT_S,
                           (tmp_path / "streamlit.log").read_text, expected_body=b"ok")
        yield url
    finally:
        stop(process)
        log.close()


@pytest.fixture()
def browser(tmp_path: Path):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1500,1200",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def drawn(driver) -> dict[str, int]:
    """What Plotly has drawn so far, counted in the page."""
    return driver.execute_script(
        """
        const count = (selector) => document.querySelectorAll(selector).length;
        return {
            charts: count('[data-testid="stPlotlyChart"] .js-plotly-plot .main-svg'),
            plots: count('[data-testid="stPlotlyChart"] .js-plotly-plot'),
            bars: count('.js-plotly-plot .barlayer .point path'),
            heatmaps: count('.js-plotly-plot .heatmaplayer image'),
            sankey_nodes: count('.js-plotly-plot .sankey .sankey-node'),
            sankey_links: count('.js-plotly-plot .sankey .sankey-link'),
            lines: count('.js-plotly-plot .scatterlayer .trace .lines path'),
            shapes: count('.js-plotly-plot .shapelayer path'),
            exceptions: count('[data-testid="stException"]'),
            headers: count('h2'),
        };
        """
    )


def test_dashboard_draws_in_chromium(server, browser, sql):
    browser.get(server)
    state: dict[str, int] = {}

    def charts_drawn(driver) -> bool:
        state.update(drawn(driver))
        return (
            state["exceptions"] > 0
            or (state["plots"] == CHARTS and state["sankey_links"] > 0 and state["heatmaps"] > 0
                and state["bars"] > 0 and state["lines"] > 0)
        )

    WebDriverWait(browser, DRAW_TIMEOUT_S, poll_frequency=0.5).until(charts_drawn)
    assert state["exceptions"] == 0, browser.find_element(By.CSS_SELECTOR, '[data-testid="stException"]').text
    assert state["plots"] == CHARTS
    assert state["charts"] >= CHARTS
    assert state["headers"] >= 8
    # Every flow of the default Sankey is drawn: one link per non-empty transition.
    transitions = sql(
        "select count(*) from segment_transitions where customers > 0 "
        "and period_end_date = (select max(period_end_date) from segment_transitions)"
    )[0][0]
    assert state["sankey_links"] == transitions
    # Two vertical markers on the repeat curve: the new-customer threshold and the knee.
    assert state["shapes"] >= 2
    text = browser.find_element(By.TAG_NAME, "body").text
    customers = sql("select count(*) from customer_segments")[0][0]
    assert f"{customers:,}" in text
    assert "new-customer threshold" in text

    # Grow the window to the whole page, so the screenshot shows every section.
    height = browser.execute_script(
        "const main = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
        "return Math.max(main.scrollHeight, document.body.scrollHeight);"
    )
    browser.set_window_size(1500, min(int(height) + 200, 16000))
    WebDriverWait(browser, DRAW_TIMEOUT_S, poll_frequency=0.5).until(
        lambda driver: drawn(driver)["plots"] == CHARTS
    )
    time.sleep(1.0)  # let Plotly finish its resize transition before the picture
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    assert browser.save_screenshot(str(SCREENSHOT))
    assert SCREENSHOT.stat().st_size > 50_000
    assert SCREENSHOT.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# The phase pages and "Will they come back?" (dashboard/pages/): URL path, charts each draws, and a
# text only that page shows.
PHASE_PAGES = {
    "Acquisition": (2, "second order within"),
    "Development": (4, "Cohort triangle"),
    "Retention": (2, "Revenue at risk and what came back"),
    "Will_they_come_back": (5, "came back within"),
}


def test_phase_pages_draw_in_chromium(server, browser, sql):
    """Each phase page in the same browser: its charts drawn, no exception, a screenshot in target/."""
    for page, (charts, marker) in PHASE_PAGES.items():
        browser.get(f"{server}/{page}")
        state: dict[str, int] = {}

        def page_drawn(driver, charts=charts) -> bool:
            state.update(drawn(driver))
            return state["exceptions"] > 0 or (state["plots"] == charts and state["charts"] >= charts)

        WebDriverWait(browser, DRAW_TIMEOUT_S, poll_frequency=0.5).until(page_drawn)
        assert state["exceptions"] == 0, browser.find_element(By.CSS_SELECTOR, '[data-testid="stException"]').text
        text = browser.find_element(By.TAG_NAME, "body").text
        assert marker in text, f"{page}: {marker!r} not on the page"
        if page == "Acquisition":
            share = sql("select repeat_within_window_share from new_customer_repeat_shares where is_overall")[0][0]
            assert f"{float(share) * 100:.1f}%" in text
        if page == "Development":
            assert state["heatmaps"] >= 2
        height = browser.execute_script(
            "const main = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
            "return Math.max(main.scrollHeight, document.body.scrollHeight);"
        )
        browser.set_window_size(1500, min(int(height) + 200, 16000))
        time.sleep(1.0)  # let Plotly finish its resize transition before the picture
        screenshot = SCREENSHOT.with_name(f"dashboard_{page.lower()}.png")
        assert browser.save_screenshot(str(screenshot))
        assert screenshot.stat().st_size > 50_000
        browser.set_window_size(1500, 1200)


# A Dutch web shop's export as it comes: semicolons, Windows-1252 (the ‘’ and é are single bytes),
# CRLF, dd-mm-yyyy dates, 1.234,50 amounts, Dutch headers and statuses. Five orders of three
# customers are accepted; the cancelled one (Geannuleerd) is not.
DUTCH_EXPORT = (
    "Ordernummer;Klantnummer;Klantnaam;Besteldatum;Totaal incl. btw;Status\r\n"
    "20001;K0042;Jan Müller;05-03-2024;1.234,50;Afgerond\r\n"
    "20002;K0042;Jan Müller;17-04-2024;12,50;Afgerond\r\n"
    "20003;K0107;Café ‘De Kroon’;02-05-2024;99,95;Afgerond\r\n"
    "20004;K0107;Café ‘De Kroon’;03-05-2024;45,00;Geannuleerd\r\n"
    "20005;0815;Zoë;30-06-2024;1.250,00;Afgerond\r\n"
    "20006;K0042;Jan Müller;01-07-2024;7,00;Afgerond\r\n"
)
BUILD_TIMEOUT_S = 300


def body_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def test_upload_a_dutch_export_in_chromium(server, browser, tmp_path):
    """Drop the file on the real file input, check the proposed mapping, build, read the result,
    and open the dashboard on the uploaded data."""
    export = tmp_path / "Bestellingen export (maart).csv"
    export.write_bytes(DUTCH_EXPORT.encode("cp1252"))
    browser.get(f"{server}/Upload")
    wait = WebDriverWait(browser, DRAW_TIMEOUT_S, poll_frequency=0.5)
    file_input = wait.until(expected_conditions.presence_of_element_located((By.CSS_SELECTOR, "input[type=file]")))
    file_input.send_keys(str(export))

    # Streamlit sends the page element by element: wait for the last one the mapping needs, the button.
    mapping_boxes = '.st-key-upload_mapping [data-testid="stSelectbox"]'
    wait.until(lambda driver: (len(driver.find_elements(By.CSS_SELECTOR, mapping_boxes)) == 7
                               and driver.find_elements(By.CSS_SELECTOR, ".st-key-upload_build button"))
               or driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]'))
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    text = body_text(browser)
    for fact in ("encoding: windows-1252", "delimiter: ;", "file kind: CSV text",
                 "The amount column holds", "each row's own amount (the order is their sum)",
                 "Customer ids that differ only in case are one customer"):
        assert fact in text, fact
    chosen = {}
    for box in browser.find_elements(By.CSS_SELECTOR, mapping_boxes):
        choice = box.find_element(By.CSS_SELECTOR, "input[role=combobox]")  # the chosen option is its value
        chosen[choice.get_attribute("aria-label").removesuffix(" *")] = choice.get_attribute("value")
    assert chosen == {"order_id": "Ordernummer", "customer_id": "Klantnummer", "order_date": "Besteldatum",
                      "amount": "Totaal incl. btw", "status": "Status", "margin": "(not in the file)",
                      "line_id": "(not in the file)"}

    build = browser.find_element(By.CSS_SELECTOR, ".st-key-upload_build button")
    assert build.is_enabled()
    build.click()
    WebDriverWait(browser, BUILD_TIMEOUT_S, poll_frequency=1.0).until(
        lambda driver: "Rows accepted" in body_text(driver) or "The build stopped" in body_text(driver)
        or driver.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]'))
    assert not browser.find_elements(By.CSS_SELECTOR, '[data-testid="stException"]')
    assert "The build stopped" not in body_text(browser), body_text(browser)
    metric = wait.until(lambda driver: next(
        (m for m in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]') if "Rows accepted" in m.text),
        None))
    assert "5 of 6" in metric.text, metric.text

    # The segments of the uploaded customers: a drawn bar chart and the table.
    segments = ".st-key-upload_segments"
    bars = f"{segments} .js-plotly-plot .barlayer .point path"
    wait.until(lambda driver: driver.find_elements(By.CSS_SELECTOR, bars))
    assert browser.find_elements(By.CSS_SELECTOR, f'{segments} [data-testid="stDataFrame"]')
    assert "Your customers' segments, as of 2024-07-01" in body_text(browser)
    height = browser.execute_script(
        "const main = document.querySelector('[data-testid=\"stMain\"]') || document.body;"
        "return Math.max(main.scrollHeight, document.body.scrollHeight);"
    )
    browser.set_window_size(1500, min(int(height) + 200, 16000))
    time.sleep(1.0)  # let Plotly finish its resize transition before the picture
    shot = SCREENSHOT.with_name("dashboard_upload.png")
    assert browser.save_screenshot(str(shot))
    browser.set_window_size(1500, 1200)

    # The whole dashboard on the upload, in the same session.
    wait.until(expected_conditions.element_to_be_clickable(
        (By.CSS_SELECTOR, '[data-testid="stPageLink-NavLink"]'))).click()

    def customers_metric(driver):
        if "Headline" not in body_text(driver):
            return None
        return next((m for m in driver.find_elements(By.CSS_SELECTOR, '[data-testid="stMetric"]')
                     if m.text.startswith("Customers")), None)

    customers = wait.until(customers_metric)
    assert customers.text.splitlines()[-1] == "3"
    text = body_text(browser)
    assert str(tmp_path / "uploads") in text
    assert "As of 2024-07-01" in text
