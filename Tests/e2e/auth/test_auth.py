"""Who may write: the schedule, score and subscription binaries with a JWKS file, driven by grpcio.

Each refused call is followed by reading the store back: nothing changed.
"""
import base64
import hashlib
import hmac
import json
import os
import subprocess
import sys
import time
import urllib.request

import grpc
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402

common.generate_stubs()
from courtside.v1 import common_pb2 as cpb  # noqa: E402
from courtside.v1 import schedule_pb2 as spb  # noqa: E402
from courtside.v1 import schedule_pb2_grpc  # noqa: E402
from courtside.v1 import score_pb2  # noqa: E402
from courtside.v1 import score_pb2_grpc  # noqa: E402
from courtside.v1 import subscription_pb2 as subpb  # noqa: E402
from courtside.v1 import subscription_pb2_grpc  # noqa: E402
from grpc_health.v1 import health_pb2, health_pb2_grpc  # noqa: E402

BIN = os.environ.get("COURTSIDE_BIN", os.path.join(common.ROOT, ".build", "debug"))
AUDIENCE = ISSUER = "courtside"
GAME = "auth-game-1"


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class Keys:
    """ES256 signing keys by kid, and the JWKS file of the published ones."""

    def __init__(self, path):
        self.path = path
        self.private = {}
        self.published = set()

    def add(self, kid, publish=True):
        self.private[kid] = ec.generate_private_key(ec.SECP256R1())
        if publish:
            self.published.add(kid)

    def jwk(self, kid):
        entry = json.loads(ECAlgorithm.to_jwk(self.private[kid].public_key()))
        entry.update({"kid": kid, "alg": "ES256"})
        return entry

    def write(self):
        document = {"keys": [self.jwk(kid) for kid in sorted(self.published)]}
        temporary = self.path + ".tmp"
        with open(temporary, "w") as f:
            json.dump(document, f)
        os.replace(temporary, self.path)

    def token(self, kid="k1", scope="admin", sub="tester", signer=None, **overrides):
        now = int(time.time())
        claims = {"sub": sub, "scope": scope, "aud": AUDIENCE, "iss": ISSUER, "iat": now, "exp": now + 600}
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        return jwt.encode(claims, signer or self.private[kid], algorithm="ES256", headers={"kid": kid})


def unsigned(header, claims, signature=b""):
    return ".".join([b64url(json.dumps(header).encode()), b64url(json.dumps(claims).encode()), b64url(signature)])


def claims(scope="admin"):
    now = int(time.time())
    return {"sub": "mallory", "scope": scope, "aud": AUDIENCE, "iss": ISSUER, "exp": now + 600}


def hmac_token(secret, algorithm="HS256", kid="k1"):
    header = {"alg": algorithm, "kid": kid, "typ": "JWT"}
    signing_input = b64url(json.dumps(header).encode()) + "." + b64url(json.dumps(claims()).encode())
    digest = {"HS256": hashlib.sha256, "HS384": hashlib.sha384, "HS512": hashlib.sha512}[algorithm]
    return signing_input + "." + b64url(hmac.new(secret, signing_input.encode(), digest).digest())


class Process:
    def __init__(self, workdir, name, args):
        self.grpc_port, self.admin_port = common.free_port(), common.free_port()
        self.log = open(os.path.join(workdir, f"{name}.log"), "w+")
        self.process = subprocess.Popen(
            [os.path.join(BIN, f"courtside-{name}"), "--grpc-port", str(self.grpc_port), "--admin-port", str(self.admin_port),
             "--shutdown-grace-seconds", "2", *args],
            stdout=self.log, stderr=subprocess.STDOUT)
        common.wait_for_port(self.grpc_port)
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.grpc_port}")

    @property
    def address(self):
        return f"127.0.0.1:{self.grpc_port}"

    def logs(self):
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def stop(self):
        self.channel.close()
        common.stop(self.process)
        self.log.close()


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    workdir = str(tmp_path_factory.mktemp("auth"))
    keys = Keys(os.path.join(workdir, "jwks.json"))
    keys.add("k1")
    keys.add("unpublished", publish=False)
    keys.write()
    score_token = os.path.join(workdir, "score.token")
    with open(score_token, "w") as f:
        f.write(keys.token(scope="schedule:write", sub="score", exp=int(time.time()) + 3600))
    auth = ["--jwks-file", keys.path]
    schedule = Process(workdir, "schedule", ["--storage", f"sqlite:{workdir}/schedule.sqlite", *auth])
    score = Process(workdir, "score", ["--storage", f"sqlite:{workdir}/score.sqlite", "--schedule-addr", schedule.address,
                                       "--token-file", score_token, *auth])
    subscription = Process(workdir, "subscription", ["--storage", f"sqlite:{workdir}/subscription.sqlite",
                                                     "--score-addr", score.address, "--schedule-addr", schedule.address, *auth])
    cluster = type("Cluster", (), {})()
    cluster.keys, cluster.schedule, cluster.score, cluster.subscription = keys, schedule, score, subscription
    cluster.schedule_stub = schedule_pb2_grpc.ScheduleServiceStub(schedule.channel)
    cluster.score_stub = score_pb2_grpc.ScoreServiceStub(score.channel)
    cluster.subscription_stub = subscription_pb2_grpc.SubscriptionServiceStub(subscription.channel)
    admin = [("authorization", "Bearer " + keys.token(scope="admin", sub="operator"))]
    game = cpb.Game(id=GAME, home_team_id="BOS", away_team_id="NYK", start_time_ms=1_761_089_400_000, date="2025-10-21",
                    venue="TD Garden", status=cpb.GAME_STATUS_SCHEDULED)
    cluster.schedule_stub.UpsertGames(spb.UpsertGamesRequest(games=[game]), metadata=admin)
    cluster.subscription_stub.CreateSubscription(
        subpb.CreateSubscriptionRequest(name="existing", filter=subpb.SubscriptionFilter(game_ids=[GAME])), metadata=admin)
    cluster.admin = admin
    yield cluster
    for process in (subscription, score, schedule):
        process.stop()


def event(seq):
    return cpb.Event(game_id=GAME, source_id=f"auth-{seq}", kind=cpb.EVENT_KIND_BASKET, points=2, team_id="BOS",
                     state=cpb.GameState(home_score=2 * seq, away_score=0, period=1, clock_ms=600_000, status=cpb.GAME_STATUS_LIVE))


def store_state(cluster):
    """Everything a write method could change, read back (with the admin token)."""
    games = cluster.schedule_stub.ListGames(spb.ListGamesRequest(page_size=100), metadata=cluster.admin).games
    events = cluster.score_stub.ListEvents(score_pb2.ListEventsRequest(game_id=GAME, page_size=100), metadata=cluster.admin).events
    subscriptions = cluster.subscription_stub.ListSubscriptions(subpb.ListSubscriptionsRequest(), metadata=cluster.admin).subscriptions
    return (
        sorted((g.id, g.status, g.revision) for g in games),
        [(e.source_id, e.position.seq) for e in events],
        sorted(s.SerializeToString(deterministic=True) for s in subscriptions),
    )


# Every write method with a request that would change the store, and the scope it needs.
WRITES = {
    "PublishEvents": ("scores:publish", lambda c, md: c.score_stub.PublishEvents(score_pb2.PublishEventsRequest(events=[event(1)]), metadata=md)),
    "PublishEventStream": ("scores:publish", lambda c, md: c.score_stub.PublishEventStream(
        iter([score_pb2.PublishEventsRequest(events=[event(2)])]), metadata=md)),
    "UpsertGames": ("schedule:write", lambda c, md: c.schedule_stub.UpsertGames(spb.UpsertGamesRequest(games=[cpb.Game(
        id="auth-intruder", home_team_id="LAL", away_team_id="GSW", start_time_ms=1_761_089_400_000, date="2025-10-21",
        venue="Crypto.com Arena", status=cpb.GAME_STATUS_SCHEDULED)]), metadata=md)),
    "UpdateGameStatus": ("schedule:write", lambda c, md: c.schedule_stub.UpdateGameStatus(
        spb.UpdateGameStatusRequest(game_id=GAME, status=cpb.GAME_STATUS_POSTPONED), metadata=md)),
    "CreateSubscription": ("subscriptions:manage", lambda c, md: c.subscription_stub.CreateSubscription(
        subpb.CreateSubscriptionRequest(name="intruder", filter=subpb.SubscriptionFilter(game_ids=[GAME])), metadata=md)),
    "DeleteSubscription": ("subscriptions:manage", lambda c, md: c.subscription_stub.DeleteSubscription(
        subpb.DeleteSubscriptionRequest(name="existing"), metadata=md)),
    "Acknowledge": ("subscriptions:consume", lambda c, md: c.subscription_stub.Acknowledge(subpb.AcknowledgeRequest(
        name="existing", positions=[cpb.GameCursor(game_id=GAME, after=cpb.Position(epoch=1, seq=5))]), metadata=md)),
}


def bad_tokens(keys):
    now = int(time.time())
    public_pem = keys.private["k1"].public_key().public_bytes(
        encoding=serialization.Encoding.PEM, format=serialization.PublicFormat.SubjectPublicKeyInfo)
    return {
        "no token": None,
        "not a JWT": "Bearer not-a-jwt",
        "expired": "Bearer " + keys.token(exp=now - 300),
        "not yet valid": "Bearer " + keys.token(nbf=now + 300),
        "wrong audience": "Bearer " + keys.token(aud="another-service"),
        "wrong issuer": "Bearer " + keys.token(iss="https://evil.example"),
        "bad signature": "Bearer " + keys.token(kid="k1", signer=keys.private["unpublished"]),
        "alg none": "Bearer " + unsigned({"alg": "none", "kid": "k1"}, claims()),
        "HMAC with the public key (PEM)": "Bearer " + hmac_token(public_pem),
        "HMAC with the public key (JWK)": "Bearer " + hmac_token(json.dumps(keys.jwk("k1")).encode()),
        "unknown kid": "Bearer " + keys.token(kid="unpublished"),
    }


def code_of(call):
    try:
        call()
        return grpc.StatusCode.OK
    except grpc.RpcError as error:
        return error.code()


@pytest.mark.parametrize("method", sorted(WRITES))
def test_every_bad_token_is_unauthenticated_and_changes_nothing(cluster, method):
    _, call = WRITES[method]
    before = store_state(cluster)
    for name, authorization in bad_tokens(cluster.keys).items():
        metadata = [] if authorization is None else [("authorization", authorization)]
        assert code_of(lambda: call(cluster, metadata)) == grpc.StatusCode.UNAUTHENTICATED, f"{method}: {name}"
        assert store_state(cluster) == before, f"{method}: {name} changed the store"


@pytest.mark.parametrize("method", sorted(WRITES))
def test_a_token_without_the_scope_is_permission_denied(cluster, method):
    scope, call = WRITES[method]
    before = store_state(cluster)
    other_scopes = " ".join(s for s in ("scores:publish", "schedule:write", "subscriptions:manage", "subscriptions:consume", "scores:read") if s != scope)
    metadata = [("authorization", "Bearer " + cluster.keys.token(scope=other_scopes))]
    assert code_of(lambda: call(cluster, metadata)) == grpc.StatusCode.PERMISSION_DENIED
    assert store_state(cluster) == before


def test_refusals_are_counted_and_logged_without_the_token(cluster):
    token = cluster.keys.token(scope="scores:read")
    assert code_of(lambda: WRITES["PublishEvents"][1](cluster, [("authorization", "Bearer " + token)])) == grpc.StatusCode.PERMISSION_DENIED
    with urllib.request.urlopen(f"http://127.0.0.1:{cluster.score.admin_port}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    # Every series exists from the start at 0: the refusal must have counted.
    series = 'courtside_grpc_auth_refusals_total{method="PublishEvents",reason="missing_scope"} '
    counted = [line for line in metrics.splitlines() if line.startswith(series)]
    assert counted and float(counted[0][len(series):]) >= 1, counted
    logs = cluster.score.logs()
    assert "reason=missing_scope" in logs and token not in logs and token.split(".")[2] not in logs


def test_reads_and_health_stay_open(cluster):
    assert cluster.schedule_stub.GetGame(spb.GetGameRequest(game_id=GAME)).id == GAME
    for process in (cluster.schedule, cluster.score, cluster.subscription):
        health = health_pb2_grpc.HealthStub(process.channel)
        assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING


def test_a_write_with_its_scope_is_accepted_and_audited(cluster):
    metadata = [("authorization", "Bearer " + cluster.keys.token(scope="scores:publish", sub="feed"))]
    response = cluster.score_stub.PublishEvents(score_pb2.PublishEventsRequest(events=[event(10)]), metadata=metadata)
    assert len(response.results) == 1
    assert "auth-10" in [source for source, _ in store_state(cluster)[1]]
    audit = [line for line in cluster.score.logs().splitlines() if "audit=true" in line and "subject=feed" in line]
    assert audit and f"games={GAME}" in audit[-1] and "outcome=ok" in audit[-1]


def test_keys_rotate_without_a_restart(cluster):
    keys, schedule = cluster.keys, cluster.schedule
    pid = schedule.process.pid
    read = lambda token: code_of(lambda: cluster.schedule_stub.UpdateGameStatus(  # noqa: E731
        spb.UpdateGameStatusRequest(game_id="no-such-game", status=cpb.GAME_STATUS_LIVE),
        metadata=[("authorization", "Bearer " + token)]))
    keys.add("k2", publish=False)
    new_token, old_token = keys.token(kid="k2"), keys.token(kid="k1")
    assert read(new_token) == grpc.StatusCode.UNAUTHENTICATED
    assert read(old_token) == grpc.StatusCode.NOT_FOUND  # past authentication: the game is unknown
    keys.published.add("k2")
    keys.write()
    deadline = time.time() + 10
    while read(new_token) != grpc.StatusCode.NOT_FOUND:
        assert time.time() < deadline, "the new key was not accepted within 10 s"
        time.sleep(0.2)
    keys.published.discard("k1")
    keys.write()
    deadline = time.time() + 10
    while read(old_token) != grpc.StatusCode.UNAUTHENTICATED:
        assert time.time() < deadline, "the removed key was still accepted after 10 s"
        time.sleep(0.2)
    assert read(new_token) == grpc.StatusCode.NOT_FOUND
    assert schedule.process.pid == pid and schedule.process.poll() is None
    keys.published.add("k1")
    keys.write()
    # Every service watches the file on its own clock: the tests after this one need all three
    # to take k1 again, not only the schedule service probed above.
    old_key = [("authorization", "Bearer " + old_token)]
    probes = {
        "schedule": lambda: read(old_token),
        "score": lambda: code_of(lambda: cluster.score_stub.PublishEvents(score_pb2.PublishEventsRequest(events=[]), metadata=old_key)),
        "subscription": lambda: code_of(lambda: cluster.subscription_stub.DeleteSubscription(
            subpb.DeleteSubscriptionRequest(name="no-such-subscription"), metadata=old_key)),
    }
    deadline = time.time() + 10
    for name, probe in probes.items():
        while probe() == grpc.StatusCode.UNAUTHENTICATED:
            assert time.time() < deadline, f"the {name} service did not take k1 back within 10 s"
            time.sleep(0.2)


def test_a_public_address_without_keys_refuses_to_start(tmp_path):
    process = subprocess.run(
        [os.path.join(BIN, "courtside-schedule"), "--host", "0.0.0.0", "--grpc-port", str(common.free_port()),
         "--admin-port", str(common.free_port()), "--storage", "sqlite::memory:"],
        capture_output=True, text=True, timeout=60)
    assert process.returncode == 64
    assert "--allow-anonymous-writes" in process.stderr and "--jwks-file" in process.stderr


def test_only_the_owner_or_an_admin_may_use_a_durable_subscription(cluster):
    def as_(sub, scope="subscriptions:manage subscriptions:consume"):
        return [("authorization", "Bearer " + cluster.keys.token(scope=scope, sub=sub))]

    stub = cluster.subscription_stub
    stub.CreateSubscription(subpb.CreateSubscriptionRequest(name="alices", filter=subpb.SubscriptionFilter(game_ids=[GAME])),
                            metadata=as_("alice"))
    cursor = [cpb.GameCursor(game_id=GAME, after=cpb.Position(epoch=1, seq=3))]

    def subscribe(metadata):
        stream = stub.Subscribe(subpb.SubscribeRequest(subscription_name="alices"), metadata=metadata, timeout=2)
        try:
            next(iter(stream))
            return grpc.StatusCode.OK
        except grpc.RpcError as error:
            return grpc.StatusCode.OK if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED else error.code()

    before = store_state(cluster)
    bob = as_("bob")
    assert code_of(lambda: stub.Acknowledge(subpb.AcknowledgeRequest(name="alices", positions=cursor), metadata=bob)) == grpc.StatusCode.PERMISSION_DENIED
    assert code_of(lambda: stub.DeleteSubscription(subpb.DeleteSubscriptionRequest(name="alices"), metadata=bob)) == grpc.StatusCode.PERMISSION_DENIED
    assert subscribe(bob) == grpc.StatusCode.PERMISSION_DENIED
    assert subscribe([]) == grpc.StatusCode.UNAUTHENTICATED
    assert store_state(cluster) == before

    acknowledged = stub.Acknowledge(subpb.AcknowledgeRequest(name="alices", positions=cursor), metadata=as_("alice"))
    assert [(c.game_id, c.after.seq) for c in acknowledged.cursors] == [(GAME, 3)]
    assert subscribe(as_("alice")) == grpc.StatusCode.OK
    stub.DeleteSubscription(subpb.DeleteSubscriptionRequest(name="alices"), metadata=as_("root", scope="admin"))
    assert "alices" not in [s.name for s in stub.ListSubscriptions(subpb.ListSubscriptionsRequest()).subscriptions]
    metrics = urllib.request.urlopen(f"http://127.0.0.1:{cluster.subscription.admin_port}/metrics", timeout=5).read().decode()
    assert 'courtside_grpc_auth_refusals_total{method="Acknowledge",reason="not_owner"} 1' in metrics


def test_reads_can_require_a_token(cluster, tmp_path):
    schedule = Process(str(tmp_path), "schedule", ["--storage", "sqlite::memory:", "--jwks-file", cluster.keys.path,
                                                   "--require-read-token"])
    try:
        stub = schedule_pb2_grpc.ScheduleServiceStub(schedule.channel)
        read = lambda metadata: code_of(lambda: stub.ListTeams(spb.ListTeamsRequest(), metadata=metadata))  # noqa: E731
        assert read([]) == grpc.StatusCode.UNAUTHENTICATED
        assert read([("authorization", "Bearer " + cluster.keys.token(scope="schedule:write"))]) == grpc.StatusCode.PERMISSION_DENIED
        assert read([("authorization", "Bearer " + cluster.keys.token(scope="scores:read"))]) == grpc.StatusCode.OK
        health = health_pb2_grpc.HealthStub(schedule.channel)
        assert health.Check(health_pb2.HealthCheckRequest()).status == health_pb2.HealthCheckResponse.SERVING
    finally:
        schedule.stop()
