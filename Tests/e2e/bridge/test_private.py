"""Private games and connection tokens, as processes: the bridge with --private-games E2E2 and a
JWKS file made here (an ES256 key, tokens signed with PyJWT). Without a token that names it, the
private game is refused on the WebSocket (`token_required`), SSE and the JSON API (401), while
the public game stays anonymous. Then the page's client module (courtside-client.js with
getToken) in headless Chromium: a private game needs a connection token; an expired token gets
`refresh` and then close 4002 when no fresh one comes; a fresh token keeps the connection.
Chromium is skipped when missing unless BRIDGE_REQUIRE_BROWSER=1.
"""
import base64
import json
import os
import shutil
import tempfile
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from test_bridge import SSE, Stack, WebSocket, http

PRIVATE = "E2E2"
PUBLIC = "E2E1"
AUDIENCE = "courtside-bridge"
GRACE_SECONDS = 2


def b64url(number):
    return base64.urlsafe_b64encode(number.to_bytes(32, "big")).rstrip(b"=").decode()


class Keys:
    def __init__(self, workdir):
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        numbers = self.key.public_key().public_numbers()
        self.jwks_path = os.path.join(workdir, "connection-jwks.json")
        with open(self.jwks_path, "w") as out:
            json.dump({"keys": [{"kty": "EC", "crv": "P-256", "alg": "ES256", "kid": "web-1", "x": b64url(numbers.x), "y": b64url(numbers.y)}]}, out)

        self.issued = []

    def token(self, games=(PRIVATE,), ttl=600, audience=AUDIENCE, subject="user-1"):
        claims = {"sub": subject, "aud": audience, "iss": "courtside", "exp": int(time.time()) + ttl, "games": list(games),
                  "leagues": ["premium"]}
        token = jwt.encode(claims, self.pem, algorithm="ES256", headers={"kid": "web-1"})
        self.issued.append(token)
        return token


@pytest.fixture(scope="module")
def setup():
    with tempfile.TemporaryDirectory(prefix="bridge-private-") as workdir:
        keys = Keys(workdir)
        stack = Stack(workdir, bridge_args=["--connection-jwks-file", keys.jwks_path, "--private-games", PRIVATE,
                                            "--connection-token-grace-seconds", str(GRACE_SECONDS), "--log-level", "info"])
        try:
            stack.publish(PUBLIC)
            stack.publish(PRIVATE)
            stack.wait_seq(PUBLIC, 1)
            yield stack, keys
        finally:
            stack.stop()


def metric(stack, name):
    _, text = stack.admin("/metrics")
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines() if line.startswith(name))


def test_websocket_refuses_a_private_game_without_a_token_and_keeps_public_ones_anonymous(setup):
    stack, keys = setup
    refusals = metric(stack, 'courtside_bridge_connection_token_refusals_total{reason="missing_token"}')
    ws = WebSocket(stack.ports["http"])
    assert ws.next()["type"] == "hello"
    ws.send({"type": "subscribe", "games": [PUBLIC, PRIVATE], "id": "s1"})
    error = ws.next()
    assert error["type"] == "error" and error["code"] == "token_required" and error["games"] == [PRIVATE] and error["ref"] == "s1"
    # Nothing else changed: the next reply shows an empty followed set, and the public game alone works anonymously.
    ws.send({"type": "subscribe", "games": [PUBLIC], "id": "s2"})
    reply = ws.next()
    assert reply == {"type": "subscribed", "games": [PUBLIC], "teams": [], "allLive": False, "leagues": [], "id": "s2"}
    assert ws.next()["game"] == PUBLIC
    assert metric(stack, 'courtside_bridge_connection_token_refusals_total{reason="missing_token"}') >= refusals + 1


def test_websocket_accepts_a_token_that_names_the_game_and_refuses_a_bad_one(setup):
    stack, keys = setup
    ws = WebSocket(stack.ports["http"])
    assert ws.next()["type"] == "hello"
    ws.send({"type": "token", "token": keys.token(audience="someone-else"), "id": "t0"})
    refused = ws.next()
    assert refused["type"] == "error" and refused["code"] == "invalid_token" and refused["ref"] == "t0"
    assert "audience" in refused["message"]
    ws.send({"type": "token", "token": keys.token(games=["OTHER"]), "id": "t1"})
    assert ws.next()["type"] == "authorized"
    ws.send({"type": "subscribe", "games": [PRIVATE], "id": "s1"})
    assert ws.next()["code"] == "token_required"
    ws.send({"type": "token", "token": keys.token(), "id": "t2"})
    authorized = ws.next()
    assert authorized["type"] == "authorized" and authorized["id"] == "t2" and authorized["expiresAt"] > time.time() * 1000
    ws.send({"type": "subscribe", "games": [PRIVATE], "id": "s2"})
    assert ws.next()["type"] == "subscribed"
    snapshot = ws.next()
    assert snapshot["type"] == "snapshot" and snapshot["game"] == PRIVATE
    position = stack.publish(PRIVATE)
    event = ws.next()
    assert event["type"] == "event" and event["game"] == PRIVATE and event["seq"] == position.seq


def test_sse_and_the_json_api_need_the_token_too(setup):
    stack, keys = setup
    status, _, body = http(stack, f"/events?games={PRIVATE}")
    assert status == 401 and json.loads(body)["error"]["code"] == "token_required"
    status, _, body = http(stack, f"/events?games={PRIVATE}&token=not.a.jwt")
    assert status == 401 and json.loads(body)["error"]["code"] == "invalid_token"
    stream = SSE(stack.ports["http"], f"/events?games={PRIVATE}&token={keys.token()}")
    assert " 200 " in stream.head.split("\r\n")[0]
    assert stream.event()[1]["type"] == "hello"
    assert stream.event()[1]["type"] == "subscribed"
    assert stream.event()[1]["game"] == PRIVATE
    stream.sock.close()

    status, _, body = http(stack, f"/api/games/{PRIVATE}")
    assert status == 401 and json.loads(body)["error"]["code"] == "token_required"
    status, _, _ = http(stack, f"/api/games/{PRIVATE}/events")
    assert status == 401
    status, _, body = http(stack, f"/api/games/{PRIVATE}", headers={"Authorization": f"Bearer {keys.token()}"})
    assert status == 200 and json.loads(body)["id"] == PRIVATE
    status, _, body = http(stack, "/api/games")
    assert [game["id"] for game in json.loads(body)["games"]] == [PUBLIC]
    status, _, body = http(stack, f"/api/games?token={keys.token()}")
    assert sorted(game["id"] for game in json.loads(body)["games"]) == [PUBLIC, PRIVATE]
    status, _, body = http(stack, f"/api/games/{PUBLIC}")
    assert status == 200


def test_sse_gets_refresh_then_expired_and_ends(setup):
    stack, keys = setup
    stream = SSE(stack.ports["http"], f"/events?games={PRIVATE}&token={keys.token(ttl=2)}")
    types = []
    started = time.time()
    while time.time() - started < 15:
        try:
            _, message = stream.event()
        except EOFError:
            break
        types.append(message["type"])
    assert types[:2] == ["hello", "subscribed"]
    assert types[-2:] == ["refresh", "expired"], types
    assert stream.ended


# ---------------------------------------------------------------- the client module in Chromium

CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = os.environ.get("CHROMEDRIVER") or shutil.which("chromedriver")


@pytest.fixture(scope="module")
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        if os.environ.get("BRIDGE_REQUIRE_BROWSER") == "1":
            raise RuntimeError("chromium and chromedriver are required (apt-get install chromium chromium-driver)")
        pytest.skip("chromium / chromedriver not installed")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage"]:
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_script_timeout(20)
    yield driver
    driver.quit()


# Starts a CourtsideClient (the page's own module) following the private game. getToken hands
# out window.tokens in order; when they run out it never answers (a page that has no new token).
START_CLIENT = """
const [tokens, done] = [arguments[0], arguments[arguments.length - 1]];
import('/courtside-client.js').then(({ CourtsideClient }) => {
  if (window.client) window.client.close();
  window.log = [];
  window.tokens = tokens;
  window.tokenCalls = 0;
  const getToken = tokens === null ? undefined : () => {
    window.tokenCalls += 1;
    return window.tokens.length ? Promise.resolve(window.tokens.shift()) : new Promise(() => {});
  };
  const client = new CourtsideClient({ getToken });
  for (const type of ['message', 'close', 'tokenExpired', 'state']) {
    client.on(type, (payload) => window.log.push({ on: type, ...payload }));
  }
  client.subscribe({ games: [arguments[1]] });
  window.client = client;
  done(true);
});
"""


def browser_log(browser):
    return browser.execute_script("return window.log")


def wait_for_log(browser, predicate, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        log = browser_log(browser)
        if predicate(log):
            return log
        time.sleep(0.05)
    raise AssertionError(f"not seen within {timeout} s: {browser_log(browser)}")


def messages(log, type_):
    return [entry for entry in log if entry["on"] == "message" and entry["type"] == type_]


def test_browser_a_private_game_needs_a_connection_token(setup, browser):
    stack, keys = setup
    browser.get(f"http://127.0.0.1:{stack.ports['http']}/")
    browser.execute_async_script(START_CLIENT, None, PRIVATE)
    log = wait_for_log(browser, lambda log: messages(log, "error"), 10)
    assert messages(log, "error")[0]["code"] == "token_required"
    assert not [m for m in messages(log, "snapshot") if m["game"] == PRIVATE]

    browser.execute_async_script(START_CLIENT, [keys.token()], PRIVATE)
    log = wait_for_log(browser, lambda log: [m for m in messages(log, "snapshot") if m["game"] == PRIVATE], 10)
    assert messages(log, "authorized") and not messages(log, "error")


def test_browser_an_expired_token_gets_refresh_then_close_4002_without_a_fresh_one(setup, browser):
    stack, keys = setup
    browser.get(f"http://127.0.0.1:{stack.ports['http']}/")
    browser.execute_async_script(START_CLIENT, [keys.token(ttl=2)], PRIVATE)
    log = wait_for_log(browser, lambda log: [e for e in log if e["on"] == "tokenExpired"], 15)
    refresh = messages(log, "refresh")
    assert len(refresh) == 1 and refresh[0]["closeInMs"] <= GRACE_SECONDS * 1000
    order = [e.get("type") or e["on"] for e in log if e["on"] in ("message", "close", "tokenExpired")]
    assert order.index("refresh") < order.index("expired") < order.index("close")
    closes = [e for e in log if e["on"] == "close"]
    assert closes[0]["code"] == 4002
    assert browser.execute_script("return window.tokenCalls") >= 2, "the client asked for a new token on refresh"


def test_browser_a_fresh_token_keeps_the_connection(setup, browser):
    stack, keys = setup
    browser.get(f"http://127.0.0.1:{stack.ports['http']}/")
    browser.execute_async_script(START_CLIENT, [keys.token(ttl=2), keys.token(ttl=600)], PRIVATE)
    wait_for_log(browser, lambda log: len(messages(log, "authorized")) == 2, 15)
    # Past the first token's exp + grace: still connected, no close, and live events still come.
    time.sleep(GRACE_SECONDS + 1)
    position = stack.publish(PRIVATE)
    log = wait_for_log(browser, lambda log: [m for m in messages(log, "event") if m["seq"] == position.seq], 10)
    assert not [e for e in log if e["on"] in ("close", "tokenExpired")]
    assert len(messages(log, "refresh")) == 1 and len(messages(log, "hello")) == 1


def test_the_log_names_refusals_and_expiries_but_never_a_token(setup):
    stack, keys = setup
    logs = stack.bridge.logs()
    assert "connection token refused" in logs and "reason=wrong_audience" in logs and "reason=missing_token" in logs
    assert "its token expired" in logs and "subject=user-1" in logs
    for token in keys.issued:
        assert token.split(".")[2] not in logs and token.split(".")[1] not in logs
    assert metric(stack, "courtside_bridge_connection_token_expiries_total") >= 2
    assert metric(stack, "courtside_bridge_connection_token_refreshes_total") >= 3
