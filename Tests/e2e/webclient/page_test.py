#!/usr/bin/env python3
"""The page (services/bridge/public/) in a real browser — headless Chromium driven by Selenium —
against mock_bridge.py, which speaks docs/protocol.md. Independent of the Swift bridge; the
issue's browser test against the real services lives elsewhere.

Checks: scores render and update within a second; the highlight and the aria-live announcement;
the running clock; reconnect after a dropped connection and after goaway, with no gap in
window.courtsideRendered; a reset epoch; the SSE fallback when WebSocket is refused and the way
back; the play-by-play view (newest first, older pages on scroll, live updates); a 360 px wide
screen without horizontal scrolling. Screenshots go to artifacts/webclient/.

Prints "N passed, M failed"; exits 1 on failure.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
ARTIFACTS = Path(os.environ.get("WEBCLIENT_ARTIFACTS", ROOT / "artifacts" / "webclient"))
G1, G2, G3 = "0022000001", "0022000002", "0022000003"

passed = 0
failed = []


def check(ok, what):
    global passed
    if ok:
        passed += 1
        print(f"ok: {what}")
    else:
        failed.append(what)
        print(f"FAIL: {what}")
    return ok


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mock:
    def __init__(self):
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen([sys.executable, str(HERE / "mock_bridge.py"), "--port", str(self.port)],
                                     stdout=subprocess.DEVNULL)
        for _ in range(100):
            try:
                self.get("/_mock/stats")
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("mock bridge did not start")

    def get(self, path):
        with urllib.request.urlopen(self.base + path, timeout=5) as r:
            return json.load(r)

    def post(self, path):
        req = urllib.request.Request(self.base + path, data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=5) as r:
            return json.load(r)

    def publish(self, game=G1, points=2, team="home"):
        return self.post(f"/_mock/publish?game={game}&points={points}&team={team}")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(5)


def wait_for(fn, timeout=5.0, interval=0.05):
    """Polls fn until it returns a truthy value; returns it (or the last falsy value)."""
    end = time.monotonic() + timeout
    while True:
        value = fn()
        if value or time.monotonic() > end:
            return value
        time.sleep(interval)


def make_driver():
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1200,900"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver")), options=options)


def card(d, game):
    return d.find_element(By.CSS_SELECTOR, f'[data-game-id="{game}"]')


def text(d, game, testid):
    return card(d, game).find_element(By.CSS_SELECTOR, f'[data-testid="{testid}"]').text


def conn_state(d):
    return d.find_element(By.CSS_SELECTOR, '[data-testid="connection"]').get_attribute("data-state")


def gaps(rendered):
    """Every place where a game's rendered positions jump without a snapshot."""
    last, out = {}, []
    for r in rendered:
        prev = last.get(r["game"])
        if r["type"] == "event" and prev is not None:
            if r["epoch"] != prev[0] or r["seq"] != prev[1] + 1:
                out.append((r["game"], prev, (r["epoch"], r["seq"])))
        last[r["game"]] = (r["epoch"], r["seq"])
    return out


def duplicates(rendered):
    seen, out = set(), []
    for r in rendered:
        if r["type"] != "event":
            continue
        key = (r["game"], r["epoch"], r["seq"])
        if key in seen:
            out.append(key)
        seen.add(key)
    return out


def rendered(d):
    return d.execute_script("return window.courtsideRendered")


def publish_and_see(d, mock, game, what, points=2, team="home", timeout=1.0):
    before = int(text(d, game, f"{team}-score") or 0)
    ev = mock.publish(game, points, team)
    start = time.monotonic()
    ok = wait_for(lambda: card(d, game).get_attribute("data-seq") == str(ev["seq"]), timeout)
    elapsed = time.monotonic() - start
    check(bool(ok) and int(text(d, game, f"{team}-score")) == before + points,
          f"{what}: score shown within {timeout:.1f} s ({elapsed * 1000:.0f} ms)")
    return ev


def main():
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    mock = Mock()
    d = make_driver()
    try:
        # Probe timings short enough to see a refused probe and the way back within the test;
        # the client's unit tests hold the real ones (3 s, doubling up to 60 s).
        d.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {
            "source": "window.courtsideClientOptions = {probeFirstMs: 1000, probeEveryMs: 2000};"})
        d.get(mock.base + "/")
        check(wait_for(lambda: conn_state(d) == "live", 10), "connects over WebSocket (data-state=live)")
        api = {g["id"]: g for g in mock.get("/api/games")["games"]}
        check(len(d.find_elements(By.CSS_SELECTOR, "[data-game-id]")) == 3, "one card per game")
        check(text(d, G1, "home-score") == str(api[G1]["snapshot"]["state"]["home"]), "initial score from the API")
        check(card(d, G1).get_attribute("data-seq") == str(api[G1]["snapshot"]["seq"]), "data-seq on the card")
        check(card(d, G3).find_element(By.CSS_SELECTOR, ".status").text not in ("", "Scheduled"),
              "a scheduled game shows its start time")

        # Live update, highlight, announcement.
        publish_and_see(d, mock, G1, "live basket (WebSocket)")
        check(wait_for(lambda: card(d, G1).find_elements(By.CSS_SELECTOR, ".team.home.flash"), 1),
              "the scoring team's row is highlighted")
        check(wait_for(lambda: "Celtics" in d.find_element(By.ID, "announcer").get_attribute("textContent"), 1),
              "the aria-live region announces the score")
        check(d.find_element(By.ID, "announcer").get_attribute("aria-live") == "polite", "announcer is aria-live=polite")
        publish_and_see(d, mock, G2, "away basket in another game", points=3, team="away")

        # The clock runs between updates.
        clock1 = card(d, G1).find_element(By.CSS_SELECTOR, ".clock").text
        time.sleep(1.2)
        clock2 = card(d, G1).find_element(By.CSS_SELECTOR, ".clock").text
        check(clock1 and clock2 and clock1 != clock2, f"the clock runs down between updates ({clock1} → {clock2})")

        # A dropped connection: events published meanwhile arrive after the reconnect.
        mock.post("/_mock/drop")
        for _ in range(3):
            last = mock.publish(G1, 1, "away")
        check(wait_for(lambda: card(d, G1).get_attribute("data-seq") == str(last["seq"]), 5),
              "after a dropped connection the page catches up by itself")
        check(wait_for(lambda: conn_state(d) == "live", 5), "live again after the drop")
        publish_and_see(d, mock, G1, "after the reconnect")

        # goaway: waits retryAfterMs, then reconnects.
        mock.post("/_mock/goaway?ms=800")
        check(wait_for(lambda: conn_state(d) == "reconnecting", 1), "goaway: reconnecting")
        t0 = time.monotonic()
        check(wait_for(lambda: conn_state(d) == "live", 5), "goaway: live again")
        check(time.monotonic() - t0 >= 0.6, f"goaway: waited retryAfterMs ({(time.monotonic() - t0) * 1000:.0f} ms)")
        publish_and_see(d, mock, G1, "after goaway")

        # A reset epoch.
        mock.post(f"/_mock/reset?game={G2}")
        check(wait_for(lambda: card(d, G2).get_attribute("data-epoch") == "2", 2), "reset snapshot: new epoch rendered")
        publish_and_see(d, mock, G2, "event in the new epoch")

        # WebSocket refused: SSE fallback, then back to WebSocket.
        mock.post("/_mock/ws?enabled=0")
        mock.post("/_mock/drop")
        check(wait_for(lambda: conn_state(d) == "fallback", 15), "WebSocket refused: falls back to SSE")
        refused_at_fallback = mock.get("/_mock/stats")["wsRefused"]
        publish_and_see(d, mock, G1, "live basket over SSE")
        mock.post("/_mock/drop")  # the EventSource reconnects by itself with Last-Event-ID
        last = mock.publish(G1, 2, "away")
        check(wait_for(lambda: card(d, G1).get_attribute("data-seq") == str(last["seq"]), 8),
              "SSE reconnect resumes with Last-Event-ID")
        check(wait_for(lambda: mock.get("/_mock/stats")["wsRefused"] > refused_at_fallback, 5)
              and conn_state(d) == "fallback", "a refused WebSocket probe leaves SSE in place")
        mock.post("/_mock/ws?enabled=1")
        check(wait_for(lambda: conn_state(d) == "live", 10), "back to WebSocket once it works again")
        publish_and_see(d, mock, G1, "after returning to WebSocket")

        # The game view.
        card(d, G1).find_element(By.CSS_SELECTOR, "a").click()
        check(wait_for(lambda: d.execute_script("return location.hash") == f"#/game/{G1}", 2), "click opens #/game/<id>")
        plays = lambda: d.find_elements(By.CSS_SELECTOR, "#plays .play")
        check(wait_for(lambda: len(plays()) >= 50, 3), "play-by-play: first page")
        seqs = [int(p.get_attribute("data-seq")) for p in plays()]
        check(seqs == sorted(seqs, reverse=True), "play-by-play is newest first")
        newest = mock.get("/_mock/stats")["games"][G1]["seq"]
        check(seqs[0] == newest, f"newest play is the game's position ({seqs[0]} = {newest})")
        d.execute_script("window.scrollTo(0, document.body.scrollHeight)")
        check(wait_for(lambda: len(plays()) >= 100, 5), "scrolling loads older plays")
        for _ in range(8):
            d.execute_script("window.scrollTo(0, document.body.scrollHeight)")
            time.sleep(0.2)
        seqs = [int(p.get_attribute("data-seq")) for p in plays()]
        check(seqs == list(range(newest, 0, -1)), f"every play once, in order, down to the first ({len(seqs)})")
        d.execute_script("window.scrollTo(0, 0)")
        ev = mock.publish(G1, 3, "home")
        check(wait_for(lambda: plays()[0].get_attribute("data-seq") == str(ev["seq"]), 1), "a live play appears on top")
        check(d.find_element(By.CSS_SELECTOR, '[data-testid="detail-home-score"]').text == str(ev["state"]["home"]),
              "the game header updates live")
        d.save_screenshot(str(ARTIFACTS / "game-view.png"))
        d.execute_script("location.hash = '#/'")
        check(wait_for(lambda: card(d, G1).is_displayed(), 2), "back to the scoreboard")

        # Phone-sized screen.
        d.set_window_size(360, 740)
        time.sleep(0.3)
        width = d.execute_script("return [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
        check(width[0] <= width[1], f"no horizontal scrolling at 360 px ({width[0]} <= {width[1]})")
        d.save_screenshot(str(ARTIFACTS / "scoreboard-360.png"))
        d.set_window_size(1200, 900)
        time.sleep(0.3)
        d.save_screenshot(str(ARTIFACTS / "scoreboard.png"))

        # The rendered positions have no gaps and no duplicates.
        r = rendered(d)
        check(len(r) > 10, f"window.courtsideRendered has entries ({len(r)})")
        check(gaps(r) == [], f"no gaps in rendered positions {gaps(r)[:3]}")
        check(duplicates(r) == [], f"no event rendered twice {duplicates(r)[:3]}")

        errors = [entry["message"] for entry in d.get_log("browser")
                  if entry["level"] == "SEVERE" and "WebSocket" not in entry["message"]
                  and "/ws" not in entry["message"] and "/events" not in entry["message"]]
        check(errors == [], f"no script errors in the console {errors[:3]}")
    finally:
        try:
            d.save_screenshot(str(ARTIFACTS / "last.png"))
        except Exception:  # noqa: BLE001 - best effort
            pass
        d.quit()
        mock.stop()
    print(f"page: {passed} passed, {len(failed)} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
