"""The page in a real browser (headless Chromium + Selenium) against the real services: scores
appear within a second of being published to the score service; the bridge restarts mid-game
(SIGTERM: goaway, close 1001) and the page reconnects by itself, with no gap in the positions it
rendered. Screenshots go to artifacts/bridge/. Skipped when chromium or chromedriver is missing
(BRIDGE_REQUIRE_BROWSER=1 makes that a failure).
"""
import os
import shutil
import tempfile
import time

import pytest

from test_bridge import Stack, common

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")
ARTIFACTS = os.path.join(common.ROOT, "artifacts", "bridge")

if not (CHROMIUM and CHROMEDRIVER):
    if os.environ.get("BRIDGE_REQUIRE_BROWSER") == "1":
        raise RuntimeError("chromium and chromedriver are required (apt-get install chromium chromium-driver)")
    pytest.skip("chromium / chromedriver not installed", allow_module_level=True)

from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def stack():
    with tempfile.TemporaryDirectory(prefix="bridge-page-") as workdir:
        started = Stack(workdir)
        try:
            yield started
        finally:
            started.stop()


@pytest.fixture(scope="module")
def browser():
    options = Options()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1100,800"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


def home_score(browser, game):
    cards = browser.find_elements(By.CSS_SELECTOR, f'[data-game-id="{game}"] [data-testid="home-score"]')
    return cards[0].text if cards else None


def wait_for(predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return False


def test_live_scores_and_reconnect_after_a_restart(stack, browser):
    os.makedirs(ARTIFACTS, exist_ok=True)
    stack.publish("E2E1", 3)
    browser.get(f"http://127.0.0.1:{stack.ports['http']}/")
    assert wait_for(lambda: home_score(browser, "E2E1") == "3", 10), "the scoreboard never showed the game"
    for _ in range(3):
        position = stack.publish("E2E1")
        started = time.time()
        assert wait_for(lambda: home_score(browser, "E2E1") == str(position.seq), 1.0), f"score {position.seq} not shown within 1 s"
        print(f"score {position.seq} shown after {1000 * (time.time() - started):.0f} ms")
    browser.save_screenshot(os.path.join(ARTIFACTS, "page-live.png"))

    # Restart the bridge mid-game; publish while it is away and after.
    stack.restart_bridge()
    stack.publish("E2E1", 2)
    connection = '[data-testid="connection"]'
    assert wait_for(lambda: browser.find_element(By.CSS_SELECTOR, connection).get_attribute("data-state") == "live", 20)
    last = stack.publish("E2E1")
    assert wait_for(lambda: home_score(browser, "E2E1") == str(last.seq), 10), "the page did not catch up after the restart"
    browser.save_screenshot(os.path.join(ARTIFACTS, "page-after-restart.png"))

    # Every position the page rendered for the game, in order: events continue by one, only
    # snapshots jump.
    rendered = browser.execute_script("return window.courtsideRendered.filter(r => r.game === 'E2E1')")
    previous = None
    for entry in rendered:
        if entry["type"] == "event" and previous is not None and previous["epoch"] == entry["epoch"]:
            assert entry["seq"] == previous["seq"] + 1, f"gap: {previous} then {entry}"
        previous = entry
    assert previous["seq"] == last.seq
