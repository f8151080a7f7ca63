"""`fluxstate-tui serve --demo` in a real browser: headless Chromium (Debian's `chromium` and `chromium-driver`)
driven by Selenium, which uses that browser and that driver and downloads neither.

What the page's terminal shows is read from xterm.js itself: a script that runs before the page's own
catches the Terminal object textual.js creates (it is not exported), and the test reads its buffer line by
line, the text xterm.js draws on its canvas. Every wait polls for a condition with a deadline.
"""

from __future__ import annotations

import os
import shutil
import time

import pytest

from tests.conftest import REPO, wait_for

from .conftest import Served, running, start_serve

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install -e '.[test]')")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402

CHROMIUM = next(filter(None, map(shutil.which, ("chromium", "chromium-browser", "google-chrome"))), None)
CHROMEDRIVER = shutil.which("chromedriver")
pytestmark = pytest.mark.skipif(CHROMIUM is None or CHROMEDRIVER is None,
                                reason="needs Chromium and its driver (apt-get install chromium chromium-driver)")

SCREENSHOT = REPO / "screens" / "browser.png"
# Keeps the xterm.js Terminal that textual.js assigns to `this.terminal` (an inherited setter runs on that
# first assignment, then steps aside for an own property).
CATCH_TERMINAL = """
Object.defineProperty(Object.prototype, "terminal", {configurable: true, set(value) {
  Object.defineProperty(this, "terminal", {value, writable: true, configurable: true, enumerable: true});
  if (value && value.buffer && value.buffer.active) { window.fluxstateTerminal = value; }
}});
"""
READ_SCREEN = """
const term = window.fluxstateTerminal;
if (!term) { return null; }
const buffer = term.buffer.active, lines = [];
for (let y = 0; y < term.rows; y++) {
  const line = buffer.getLine(buffer.viewportY + y);
  lines.push(line ? line.translateToString(true) : "");
}
return lines.join("\\n");
"""


def chromium() -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--disable-gpu", "--disable-dev-shm-usage",
                "--no-first-run", "--disable-background-networking", "--disable-component-update",
                # the page asks a font service for Roboto Mono: nothing but loopback is reached from here
                "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(arg)
    if os.geteuid() == 0:
        options.add_argument("--no-sandbox")  # Chromium's sandbox refuses to run as root (CI runs as root)
    return webdriver.Chrome(service=webdriver.ChromeService(executable_path=CHROMEDRIVER), options=options)


class Tab:
    """The current browser tab, opened on the served TUI."""

    def __init__(self, driver: webdriver.Chrome, url: str) -> None:
        self.driver = driver
        # per tab: each is a target of its own for the DevTools protocol
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CATCH_TERMINAL})
        # a projector's 1280x720, exactly (a headless window's size includes its frame)
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                               {"width": 1280, "height": 720, "deviceScaleFactor": 1, "mobile": False})
        driver.get(url)
        self.handle = driver.current_window_handle

    def screen(self) -> str:
        self.driver.switch_to.window(self.handle)
        return self.driver.execute_script(READ_SCREEN) or ""

    def wait_for_text(self, *phrases: str, timeout: float = 60) -> str:
        def shown() -> str | None:
            screen = self.screen()
            return screen if all(phrase in screen for phrase in phrases) else None

        return wait_for(shown, timeout=timeout, interval=0.2, what=f"{phrases} on the page's terminal")

    def press(self, keys: str) -> None:
        self.driver.switch_to.window(self.handle)
        # xterm.js reads the keyboard through its hidden textarea
        self.driver.find_element(By.CSS_SELECTOR, ".xterm-helper-textarea").send_keys(keys)

    def job_ids(self) -> set[str]:
        return {line.split()[0] for line in self.screen().splitlines() if line.strip().startswith("ƒ")}


@pytest.fixture(scope="module")
def served() -> Served:
    server = start_serve("--demo")
    yield server
    server.stop()


@pytest.fixture(scope="module")
def driver():
    driver = chromium()
    yield driver
    driver.quit()


def test_the_page_shows_the_minicluster_list_and_enter_opens_the_jobs_table(served, driver, tmp_path):
    tab = Tab(driver, served.url)
    tab.wait_for_text("MiniClusters", "flux-sample", "LIVE")
    tab.press(Keys.ENTER)
    tab.wait_for_text("default/flux-sample", "JOBID")
    wait_for(tab.job_ids, timeout=60, interval=0.2, what="job rows in the jobs table")
    # for the README: the broker's second node up, as a demo usually shows it
    wait_for(lambda: any(line.lstrip().startswith("nodes") and "] 2/2" in line for line in tab.screen().splitlines()),
             timeout=90, interval=0.2, what="both nodes of flux-sample up")
    shot = SCREENSHOT if os.environ.get("FLUXSTATE_SCREENS") == "1" else tmp_path / "browser.png"
    assert driver.save_screenshot(str(shot)) and shot.stat().st_size > 10_000

    # The shell key needs a terminal to hand over: in the browser it is refused, and the TUI goes on.
    tab.press("s")
    tab.wait_for_text("no shell in a browser", timeout=10)
    tab.wait_for_text("default/flux-sample", "JOBID")

    # A second tab gets its own TUI, on the same (one) demo cluster: the same jobs.
    driver.switch_to.new_window("tab")
    second = Tab(driver, served.url)
    second.wait_for_text("flux-sample", "LIVE")
    second.press(Keys.ENTER)
    ids = wait_for(second.job_ids, timeout=60, interval=0.2, what="job rows in the second tab")
    assert ids & tab.job_ids(), "the two tabs show different clusters"
    wait_for(lambda: len(served.sessions()) == 2, timeout=10, what="one TUI process per tab")


def test_stopping_the_server_ends_every_tab_and_its_tui(driver, tmp_path):
    # no cluster needed: the TUI runs (and says it cannot read the kubeconfig)
    server = start_serve("--kubeconfig", str(tmp_path / "missing"))
    try:
        tab = Tab(driver, server.url)
        tab.wait_for_text("MiniClusters")
        tuis = wait_for(server.sessions, timeout=10, what="the tab's TUI process")
        started = time.monotonic()
        assert server.stop() == 0
        assert time.monotonic() - started < 15, "stopping with an open tab took too long"
        wait_for(lambda: not any(map(running, tuis)), timeout=10, what="the tab's TUI to end")
        wait_for(lambda: driver.execute_script("return document.body.classList.contains('-closed')"),
                 timeout=10, what="the page to say the session ended")
    finally:
        server.stop()
