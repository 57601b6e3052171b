#!/usr/bin/env python3
"""Invariants of Courtside's Kubernetes manifests and Dockerfiles.

kubernetes-validate checks that the rendered objects are well-formed Kubernetes; this checks that
they are right for Courtside: probes, resources, security context and drain timing on every
Deployment; ports that agree with the services' defaults; only documented environment variables;
PodDisruptionBudgets and HorizontalPodAutoscalers that point at real Deployments; SQLite services
that cannot be scaled by accident; NetworkPolicies that allow exactly the dependency edges, in and
(where egress is restricted) out; in prod, TLS, tokens and keys from each service's own Secrets
(check_trust.py); and Dockerfiles that copy only files the repository has.

    check_manifests.py --repo ROOT NAME=RENDERED.yaml ...

NAME is the overlay a file was rendered from (base, dev, prod, or prod+COMPONENT for prod with an
optional component): `dev` must run one replica of everything, prod must enable the
NetworkPolicies and TLS and tokens on every hop. Prints one line per violation and exits 1 if
there is any.
"""

from __future__ import annotations

import argparse
import fnmatch
import glob
import ipaddress
import os
import posixpath
import re
import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

import check_trust

# --- What the services are (the table of issue 5 and docs/DESIGN.md) ------------------------------


@dataclass(frozen=True)
class ServiceSpec:
    grpc: int | None
    http: int | None
    admin: int
    deps: frozenset[str]
    extra_env: frozenset[str] = field(default_factory=frozenset)


COMMON_ENV = frozenset(
    {
        "COURTSIDE_ADMIN_HOST",
        "COURTSIDE_ADMIN_PORT",
        "COURTSIDE_LOG_LEVEL",
        "COURTSIDE_LOG_FORMAT",
        "COURTSIDE_SHUTDOWN_GRACE_SECONDS",
    }
)
# Services with a port of their own besides admin (the feed has none: it offers no --host).
LISTENING_ENV = frozenset({"COURTSIDE_HOST"})
AUTH_ENV = frozenset(
    {
        "COURTSIDE_JWKS_FILE",
        "COURTSIDE_TOKEN_AUDIENCE",
        "COURTSIDE_TOKEN_ISSUER",
        "COURTSIDE_REQUIRE_READ_TOKEN",
        "COURTSIDE_ALLOW_ANONYMOUS_WRITES",
    }
)
# A TLS port: the gRPC ports, and the bridge's HTTP port when it terminates TLS (docs/tls.md).
SERVER_TLS_ENV = frozenset(
    {"COURTSIDE_TLS_CERT_FILE", "COURTSIDE_TLS_KEY_FILE", "COURTSIDE_TLS_RELOAD_SECONDS"}
)
# A service that calls others verifies them and presents its credentials (docs/tls.md, docs/auth.md).
CALLER_ENV = frozenset(
    {
        "COURTSIDE_TOKEN_FILE",
        "COURTSIDE_CLIENT_TLS_CA_FILE",
        "COURTSIDE_CLIENT_TLS_CERT_FILE",
        "COURTSIDE_CLIENT_TLS_KEY_FILE",
        "COURTSIDE_CLIENT_TLS_SERVER_NAME",
    }
)
GRPC_ENV = (
    frozenset({"COURTSIDE_GRPC_PORT", "COURTSIDE_STORAGE", "COURTSIDE_TLS_CLIENT_CA_FILE"})
    | LISTENING_ENV
    | AUTH_ENV
    | SERVER_TLS_ENV
)
BRIDGE_ENV = frozenset(
    {
        "COURTSIDE_HTTP_PORT",
        "COURTSIDE_STATIC_DIR",
        "COURTSIDE_ALLOWED_ORIGINS",
        "COURTSIDE_HEARTBEAT_SECONDS",
        "COURTSIDE_IDLE_TIMEOUT_SECONDS",
        "COURTSIDE_MAX_CONNECTIONS_PER_IP",
        "COURTSIDE_MAX_MESSAGES_PER_SECOND",
        "COURTSIDE_TRUSTED_PROXIES",
        "COURTSIDE_API_REQUESTS_PER_SECOND",
    }
) | LISTENING_ENV | SERVER_TLS_ENV
FEED_ENV = frozenset(
    {
        "COURTSIDE_FEED_SOURCE",
        "COURTSIDE_SIM_GAMES",
        "COURTSIDE_SIM_SPEED",
        "COURTSIDE_SIM_SEED",
        "COURTSIDE_FEED_URL",
        "COURTSIDE_FEED_FILE",
        "COURTSIDE_POLL_INTERVAL_SECONDS",
    }
)

SERVICES: dict[str, ServiceSpec] = {
    "score": ServiceSpec(grpc=50051, http=None, admin=9101, deps=frozenset({"schedule"}), extra_env=GRPC_ENV),
    "schedule": ServiceSpec(grpc=50052, http=None, admin=9102, deps=frozenset(), extra_env=GRPC_ENV),
    "subscription": ServiceSpec(
        grpc=50053, http=None, admin=9103, deps=frozenset({"score", "schedule"}), extra_env=GRPC_ENV
    ),
    "bridge": ServiceSpec(
        grpc=None,
        http=8080,
        admin=9104,
        deps=frozenset({"subscription", "score", "schedule"}),
        extra_env=BRIDGE_ENV,
    ),
    "feed": ServiceSpec(grpc=None, http=None, admin=9105, deps=frozenset({"score", "schedule"}), extra_env=FEED_ENV),
}

# The address variable a service reads to reach each dependency.
ADDR_ENV = {
    "schedule": "COURTSIDE_SCHEDULE_ADDR",
    "score": "COURTSIDE_SCORE_ADDR",
    "subscription": "COURTSIDE_SUBSCRIPTION_ADDR",
}

# The words a switch setting takes (Sources/ServiceKit/Settings: SwitchText).
SWITCH_ON = {"1", "true", "yes", "on"}
SWITCH_OFF = {"0", "false", "no", "off"}
LOG_LEVELS = {"trace", "debug", "info", "notice", "warning", "error", "critical"}
FEED_SOURCES = {"simulator", "nba-pbp", "espn-summary", "sportradar-pbp", "espn-scoreboard", "nba-scoreboard"}
DEFAULT_GRACE_SECONDS = 20
STORAGE_SERVICES = {"score", "schedule", "subscription"}
INGRESS_TIMEOUT_MIN = 3600
# Files a Dockerfile may copy before another engineer has added them: checked only when present.
PENDING_COPY_SOURCES: set[str] = set()


def allowed_env(service: str) -> frozenset[str]:
    spec = SERVICES[service]
    caller_env = CALLER_ENV if spec.deps else frozenset()
    return COMMON_ENV | spec.extra_env | caller_env | frozenset(ADDR_ENV[d] for d in spec.deps)


# --- Small helpers ------------------------------------------------------------------------------


class Report:
    """Collects violations, each prefixed with where it was found."""

    def __init__(self) -> None:
        self.violations: list[str] = []
        self.notes: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.violations.append(f"{where}: {message}")

    def note(self, where: str, message: str) -> None:
        self.notes.append(f"{where}: {message}")


def ident(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def selector_matches(selector: dict | None, labels: dict) -> bool:
    """Kubernetes label-selector semantics; an empty selector matches everything."""
    selector = selector or {}
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def as_int(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def pod_spec(deployment: dict) -> dict:
    return deployment.get("spec", {}).get("template", {}).get("spec", {}) or {}


def pod_labels(deployment: dict) -> dict:
    return deployment.get("spec", {}).get("template", {}).get("metadata", {}).get("labels", {}) or {}


def container_port(container: dict, port: object) -> int | None:
    """A probe's or Service's port (a number or a container port name) as a number."""
    if isinstance(port, int):
        return port
    for p in container.get("ports") or []:
        if p.get("name") == port:
            return p.get("containerPort")
    return as_int(port)


def prestop_seconds(container: dict) -> int | None:
    pre = (container.get("lifecycle") or {}).get("preStop") or {}
    if "sleep" in pre:
        return as_int(pre["sleep"].get("seconds"))
    command = (pre.get("exec") or {}).get("command") or []
    if len(command) == 1:
        command = shlex.split(command[0])
    if len(command) >= 3 and command[-3:-2] == ["-c"]:
        command = shlex.split(command[-1])
    if len(command) == 2 and posixpath.basename(command[0]) == "sleep":
        return as_int(command[1])
    return None


class Render:
    """One rendered overlay, indexed by kind and name."""

    def __init__(self, name: str, docs: list[dict]) -> None:
        self.name = name
        self.docs = [d for d in docs if isinstance(d, dict)]
        # prod, and prod with optional components (prod+cert-manager): the same rules.
        self.is_prod = name == "prod" or name.startswith("prod+")

    def of(self, kind: str) -> list[dict]:
        return [d for d in self.docs if d.get("kind") == kind]

    def get(self, kind: str, name: str) -> dict | None:
        for d in self.of(kind):
            if d.get("metadata", {}).get("name") == name:
                return d
        return None

    def effective_env(self, container: dict) -> dict[str, object]:
        """Variable name -> literal value, or ("secret", name, key) / ("ref", ...) for valueFrom."""
        env: dict[str, object] = {}
        for source in container.get("envFrom") or []:
            if "configMapRef" in source:
                cm = self.get("ConfigMap", source["configMapRef"]["name"])
                for key, value in ((cm or {}).get("data") or {}).items():
                    env[source.get("prefix", "") + key] = value
            if "secretRef" in source:
                env[f"<all keys of Secret {source['secretRef']['name']}>"] = ("secret", None, None)
        for var in container.get("env") or []:
            if "value" in var:
                env[var["name"]] = var["value"]
            elif "secretKeyRef" in (var.get("valueFrom") or {}):
                ref = var["valueFrom"]["secretKeyRef"]
                env[var["name"]] = ("secret", ref.get("name"), ref.get("key"))
            else:
                env[var["name"]] = ("ref", None, None)
        return env


# --- Deployments --------------------------------------------------------------------------------


def check_deployment(render: Render, dep: dict, report: Report) -> None:
    name = dep["metadata"]["name"]
    where = f"{render.name}: {ident(dep)}"
    if name not in SERVICES:
        report.fail(where, f"no Courtside service is called {name!r} (known: {', '.join(SERVICES)})")
        return
    spec = SERVICES[name]
    labels = pod_labels(dep)
    if (dep["metadata"].get("labels") or {}).get("app.kubernetes.io/name") != name:
        report.fail(where, "metadata.labels lacks app.kubernetes.io/name: " + name)
    if labels.get("app.kubernetes.io/name") != name or labels.get("app.kubernetes.io/part-of") != "courtside":
        report.fail(where, "pod template labels must include app.kubernetes.io/name and part-of: courtside")
    if not selector_matches(dep["spec"].get("selector"), labels):
        report.fail(where, "spec.selector does not match the pod template's labels")

    pod = pod_spec(dep)
    psc = pod.get("securityContext") or {}
    for key, want in (("runAsNonRoot", True), ("runAsUser", 1000), ("runAsGroup", 1000), ("fsGroup", 1000)):
        if psc.get(key) != want:
            report.fail(where, f"pod securityContext.{key} must be {want!r}, is {psc.get(key)!r}")
    if (psc.get("seccompProfile") or {}).get("type") != "RuntimeDefault":
        report.fail(where, "pod securityContext.seccompProfile.type must be RuntimeDefault")

    sa = pod.get("serviceAccountName")
    if not sa or render.get("ServiceAccount", sa) is None:
        report.fail(where, f"serviceAccountName {sa!r} is not a ServiceAccount in this render")

    containers = pod.get("containers") or []
    main = next((c for c in containers if c.get("name") == name), None)
    if main is None:
        report.fail(where, f"no container named {name!r}")
        return
    mounts = {m.get("mountPath") for c in containers for m in c.get("volumeMounts") or []}
    grace_of_main = DEFAULT_GRACE_SECONDS

    for c in containers + (pod.get("initContainers") or []):
        cwhere = f"{where} container {c.get('name')}"
        res = c.get("resources") or {}
        for part in ("requests", "limits"):
            for r in ("cpu", "memory"):
                if not (res.get(part) or {}).get(r):
                    report.fail(cwhere, f"resources.{part}.{r} is missing")
        csc = c.get("securityContext") or {}
        for key, want in (("allowPrivilegeEscalation", False), ("privileged", False), ("readOnlyRootFilesystem", True)):
            if csc.get(key) is not want:
                report.fail(cwhere, f"securityContext.{key} must be {want!r}, is {csc.get(key)!r}")
        if "ALL" not in ((csc.get("capabilities") or {}).get("drop") or []):
            report.fail(cwhere, "securityContext.capabilities.drop must include ALL")
        for source in c.get("envFrom") or []:
            ref = source.get("configMapRef")
            if ref and render.get("ConfigMap", ref["name"]) is None and not ref.get("optional"):
                report.fail(cwhere, f"envFrom ConfigMap {ref['name']!r} is not in this render")
        check_env(render, name, cwhere, render.effective_env(c), mounts, report)
        if render.is_prod and any(str(a).startswith("--allow-anonymous-writes") for a in (c.get("command") or []) + (c.get("args") or [])):
            report.fail(cwhere, "--allow-anonymous-writes lets anyone write: never in prod")
        if c is main:
            grace_of_main = as_int(render.effective_env(c).get("COURTSIDE_SHUTDOWN_GRACE_SECONDS")) or DEFAULT_GRACE_SECONDS

    # Ports, declared by name on the container.
    cports = {p.get("name"): p.get("containerPort") for p in main.get("ports") or []}
    want_ports = {"admin": spec.admin}
    if spec.grpc:
        want_ports["grpc"] = spec.grpc
    if spec.http:
        want_ports["http"] = spec.http
    for pname, number in want_ports.items():
        if cports.get(pname) != number:
            report.fail(where, f"container port {pname!r} must be {number} (the service's default), is {cports.get(pname)!r}")

    # Probes: native gRPC health on a cleartext gRPC port; HTTP on the admin port otherwise (the
    # kubelet's grpc probe has no TLS, so on a TLS port it would fail every time).
    tls = serves_grpc_tls(render, dep)
    for probe_name in ("readinessProbe", "livenessProbe", "startupProbe"):
        probe = main.get(probe_name)
        if probe is None:
            if probe_name != "startupProbe":
                report.fail(where, f"{probe_name} is missing")
            continue
        if spec.grpc and not tls:
            grpc = probe.get("grpc")
            if grpc is None:
                report.fail(where, f"{probe_name} must be a native grpc probe (grpc.health.v1)")
            elif grpc.get("port") != spec.grpc:
                report.fail(where, f"{probe_name} probes grpc port {grpc.get('port')!r}, the gRPC port is {spec.grpc}")
        else:
            if probe.get("grpc") is not None:
                report.fail(where, f"{probe_name} is a grpc probe on a TLS port: the kubelet's grpc probe cannot do TLS; probe the admin port")
                continue
            http = probe.get("httpGet")
            want_path = "/readyz" if probe_name == "readinessProbe" else "/healthz"
            if http is None:
                report.fail(where, f"{probe_name} must be an httpGet probe on the admin port")
            else:
                if container_port(main, http.get("port")) != spec.admin:
                    report.fail(where, f"{probe_name} probes port {http.get('port')!r}, the admin port is {spec.admin}")
                if http.get("path") != want_path:
                    report.fail(where, f"{probe_name} path must be {want_path}, is {http.get('path')!r}")

    # Drain timing: preStop, then the service's own grace, inside the pod's grace period.
    pre = prestop_seconds(main)
    tgps = pod.get("terminationGracePeriodSeconds")
    if pre is None:
        report.fail(where, "preStop must sleep a few seconds (exec sleep N or sleep.seconds)")
    elif tgps is None or tgps <= pre + grace_of_main:
        report.fail(
            where,
            f"terminationGracePeriodSeconds ({tgps}) must exceed preStop ({pre}) + "
            f"COURTSIDE_SHUTDOWN_GRACE_SECONDS ({grace_of_main})",
        )


def serves_grpc_tls(render: Render, dep: dict) -> bool:
    """Whether the Deployment's gRPC port speaks TLS (COURTSIDE_TLS_CERT_FILE is set)."""
    name = dep["metadata"]["name"]
    if name not in SERVICES or not SERVICES[name].grpc:
        return False
    main = next((c for c in pod_spec(dep).get("containers") or [] if c.get("name") == name), {})
    return render.effective_env(main).get("COURTSIDE_TLS_CERT_FILE") is not None


def check_env(render: Render, service: str, where: str, env: dict, mounts: set, report: Report) -> None:
    spec = SERVICES[service]
    allowed = allowed_env(service)
    for key in env:
        if key not in allowed:
            report.fail(where, f"environment variable {key} is not a documented setting of {service}")
    if (spec.grpc or spec.http) and env.get("COURTSIDE_HOST") != "0.0.0.0":
        report.fail(where, f"COURTSIDE_HOST must be 0.0.0.0 in a container (is {env.get('COURTSIDE_HOST')!r})")
    if spec.grpc:
        # A gRPC port on 0.0.0.0 without token keys refuses to start unless anonymous writes are
        # allowed, which only the dev overlay may do (docs/auth.md).
        raw = env.get("COURTSIDE_ALLOW_ANONYMOUS_WRITES")
        anonymous = isinstance(raw, str) and raw.lower() in SWITCH_ON
        if not env.get("COURTSIDE_JWKS_FILE") and not anonymous:
            report.fail(where, "neither COURTSIDE_JWKS_FILE nor COURTSIDE_ALLOW_ANONYMOUS_WRITES: the service refuses to start")
        # In prod any value but an explicit "off" word counts: one from a Secret could be "yes".
        if render.is_prod and raw is not None and not (isinstance(raw, str) and raw.lower() in SWITCH_OFF):
            report.fail(where, "COURTSIDE_ALLOW_ANONYMOUS_WRITES lets anyone write: never in prod")
    if env.get("COURTSIDE_ADMIN_HOST") != "0.0.0.0":
        # The admin port binds loopback unless told otherwise: probes and Prometheus need it open.
        report.fail(where, f"COURTSIDE_ADMIN_HOST must be 0.0.0.0 in a container (is {env.get('COURTSIDE_ADMIN_HOST')!r})")
    if env.get("COURTSIDE_LOG_FORMAT") != "json":
        report.fail(where, f"COURTSIDE_LOG_FORMAT must be json in Kubernetes (is {env.get('COURTSIDE_LOG_FORMAT')!r})")
    level = env.get("COURTSIDE_LOG_LEVEL")
    if level is not None and level not in LOG_LEVELS:
        report.fail(where, f"COURTSIDE_LOG_LEVEL {level!r} is not one of {sorted(LOG_LEVELS)}")
    for key, want in (("COURTSIDE_GRPC_PORT", spec.grpc), ("COURTSIDE_HTTP_PORT", spec.http), ("COURTSIDE_ADMIN_PORT", spec.admin)):
        if key in env and as_int(env[key]) != want:
            report.fail(where, f"{key}={env[key]!r} differs from the port the manifests use ({want})")
    grace = env.get("COURTSIDE_SHUTDOWN_GRACE_SECONDS")
    if grace is not None and as_int(grace) is None:
        report.fail(where, f"COURTSIDE_SHUTDOWN_GRACE_SECONDS={grace!r} is not a whole number")
    source = env.get("COURTSIDE_FEED_SOURCE")
    if source is not None and source not in FEED_SOURCES:
        report.fail(where, f"COURTSIDE_FEED_SOURCE {source!r} is not one of {sorted(FEED_SOURCES)}")
    proxies = env.get("COURTSIDE_TRUSTED_PROXIES")
    if isinstance(proxies, str):
        for problem in trusted_proxy_problems(proxies):
            report.fail(where, f"COURTSIDE_TRUSTED_PROXIES: {problem}")

    # Every dependency's address is set (the default, 127.0.0.1, is wrong in a pod) and names its
    # Service's gRPC port.
    for dep in spec.deps:
        key = ADDR_ENV[dep]
        value = env.get(key)
        want = f"{dep}:{SERVICES[dep].grpc}"
        if value != want:
            report.fail(where, f"{key} must be {want!r} (is {value!r})")
        elif render.get("Service", dep) is None:
            report.fail(where, f"{key} points at Service {dep!r}, which is not in this render")

    storage = env.get("COURTSIDE_STORAGE")
    if service in STORAGE_SERVICES:
        if storage is None:
            report.fail(where, "COURTSIDE_STORAGE is not set (the service's default path is not writable)")
        elif isinstance(storage, tuple):
            if storage[0] != "secret":
                report.fail(where, "COURTSIDE_STORAGE must be a literal sqlite: URL or come from a Secret")
        elif storage.startswith("postgres://") or storage.startswith("postgresql://"):
            report.fail(where, "a postgres:// URL holds credentials: take COURTSIDE_STORAGE from a Secret")
        elif storage == "sqlite::memory:":
            pass
        elif storage.startswith("sqlite:"):
            path = storage[len("sqlite:"):]
            directory = posixpath.dirname(path)
            if not path.startswith("/") or not any(
                m and (directory == m or directory.startswith(m.rstrip("/") + "/")) for m in mounts
            ):
                report.fail(where, f"SQLite file {path!r} is not on a mounted volume (the root filesystem is read-only)")
        else:
            report.fail(where, f"COURTSIDE_STORAGE {storage!r} is not sqlite:PATH, sqlite::memory: or postgres://")


# The widest range a trusted proxy entry may be: a cluster's pod network, never every private range.
TRUSTED_PROXY_MIN_PREFIX = {4: 16, 6: 48}


def trusted_proxy_problems(value: str) -> list[str]:
    """What is wrong with a COURTSIDE_TRUSTED_PROXIES value (the Ingress controller's addresses)."""
    problems = []
    entries = [e.strip() for e in value.split(",") if e.strip()]
    if not entries:
        problems.append("empty: behind the Ingress every browser would count as the controller")
    for entry in entries:
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            problems.append(f"{entry!r} is neither an address nor a CIDR range")
            continue
        widest = TRUSTED_PROXY_MIN_PREFIX[network.version]
        if network.prefixlen < widest:
            problems.append(
                f"{entry!r} is wider than /{widest}: trust the Ingress controller's pod range, not whole private ranges"
            )
    return problems


def storage_kind(render: Render, dep: dict) -> str | None:
    """'sqlite', 'shared' (PostgreSQL from a Secret) or None for a Deployment's main container."""
    name = dep["metadata"]["name"]
    for c in pod_spec(dep).get("containers") or []:
        if c.get("name") == name:
            storage = render.effective_env(c).get("COURTSIDE_STORAGE")
            if isinstance(storage, str) and storage.startswith("sqlite:"):
                return "sqlite"
            if storage is not None:
                return "shared"
    return None


def check_scaling(render: Render, report: Report) -> None:
    hpa_targets = {}
    for hpa in render.of("HorizontalPodAutoscaler"):
        where = f"{render.name}: {ident(hpa)}"
        spec = hpa.get("spec") or {}
        ref = spec.get("scaleTargetRef") or {}
        if ref.get("kind") != "Deployment" or ref.get("apiVersion") != "apps/v1" or render.get("Deployment", ref.get("name")) is None:
            report.fail(where, f"scaleTargetRef {ref} is not a Deployment in this render")
            continue
        hpa_targets[ref["name"]] = hpa
        if (spec.get("minReplicas") or 1) > (spec.get("maxReplicas") or 0):
            report.fail(where, "minReplicas exceeds maxReplicas")
        if not any((m.get("resource") or {}).get("name") == "cpu" for m in spec.get("metrics") or []):
            report.fail(where, "must scale on CPU")

    for dep in render.of("Deployment"):
        name = dep["metadata"]["name"]
        where = f"{render.name}: {ident(dep)}"
        replicas = dep["spec"].get("replicas")
        strategy = (dep["spec"].get("strategy") or {}).get("type", "RollingUpdate")
        if name in hpa_targets and replicas is not None:
            report.fail(where, "spec.replicas is set although an HorizontalPodAutoscaler owns it (kubectl apply would reset it)")
        single = name == "score" or (name in STORAGE_SERVICES and storage_kind(render, dep) == "sqlite")
        if single:
            why = "one writer per game" if name == "score" else "its SQLite file belongs to one pod"
            if name in hpa_targets:
                report.fail(where, f"must not be autoscaled ({why})")
            if (replicas if replicas is not None else 1) != 1:
                report.fail(where, f"must run exactly 1 replica ({why}), has {replicas}")
            if strategy != "Recreate":
                report.fail(where, f"must use the Recreate strategy ({why}), uses {strategy}")

    if render.name == "dev":
        for dep in render.of("Deployment"):
            if dep["spec"].get("replicas") != 1:
                report.fail(f"dev: {ident(dep)}", "the dev overlay runs exactly 1 replica of each service")
        for hpa in render.of("HorizontalPodAutoscaler"):
            report.fail(f"dev: {ident(hpa)}", "the dev overlay has no autoscaling")
    if (render.name == "base" or render.is_prod) and "bridge" not in hpa_targets:
        report.fail(render.name, "the bridge must have an HorizontalPodAutoscaler")
    if render.is_prod:
        if "subscription" not in hpa_targets:
            report.fail(render.name, "subscription must have an HorizontalPodAutoscaler")
        for name in STORAGE_SERVICES:
            dep = render.get("Deployment", name)
            if dep is not None and storage_kind(render, dep) != "shared":
                report.fail(f"{render.name}: {ident(dep)}", "must take COURTSIDE_STORAGE (PostgreSQL) from a Secret")


def check_services(render: Render, report: Report) -> None:
    for svc in render.of("Service"):
        where = f"{render.name}: {ident(svc)}"
        dep = render.get("Deployment", svc["metadata"]["name"])
        tls = dep is not None and serves_grpc_tls(render, dep)
        # `https` (HTTP over TLS, which gRPC over TLS is) on a TLS port; `kubernetes.io/h2c` on a
        # cleartext one. A mesh or gateway believing the wrong one breaks every call.
        want = "https" if tls else "kubernetes.io/h2c"
        for p in (svc.get("spec") or {}).get("ports") or []:
            if p.get("name") == "grpc" and p.get("appProtocol") != want:
                report.fail(where, f"port grpc must have appProtocol: {want} (its port {'serves' if tls else 'does not serve'} TLS), has {p.get('appProtocol')!r}")

    for dep in render.of("Deployment"):
        name = dep["metadata"]["name"]
        if name not in SERVICES:
            continue
        spec = SERVICES[name]
        where = f"{render.name}: Service/{name}"
        svc = render.get("Service", name)
        if svc is None:
            report.fail(where, "missing (every Deployment has a Service of the same name)")
            continue
        if not (svc["spec"].get("selector") and selector_matches({"matchLabels": svc["spec"]["selector"]}, pod_labels(dep))):
            report.fail(where, f"selector does not select Deployment/{name}'s pods")
        main = next((c for c in pod_spec(dep).get("containers") or [] if c.get("name") == name), {})
        ports = {p.get("name"): p for p in svc["spec"].get("ports") or []}
        want = {"admin": spec.admin}
        if spec.grpc:
            want["grpc"] = spec.grpc
        if spec.http:
            want["http"] = spec.http
        for pname, number in want.items():
            p = ports.get(pname)
            if p is None:
                report.fail(where, f"has no port named {pname!r}")
                continue
            if p.get("port") != number:
                report.fail(where, f"port {pname} is {p.get('port')}, the service's default is {number}")
            target = container_port(main, p.get("targetPort", p.get("port")))
            if target != number:
                report.fail(where, f"port {pname} targets container port {target}, the service listens on {number}")
        if spec.grpc and not serves_grpc_tls(render, dep):
            probe_port = ((main.get("readinessProbe") or {}).get("grpc") or {}).get("port")
            if "grpc" in ports and probe_port != container_port(main, ports["grpc"].get("targetPort")):
                report.fail(where, "the grpc port's target is not the port the readiness probe checks")

    for sa in render.of("ServiceAccount"):
        if sa.get("automountServiceAccountToken") is not False:
            report.fail(f"{render.name}: {ident(sa)}", "automountServiceAccountToken must be false (no service calls the API)")


def check_budgets(render: Render, report: Report) -> None:
    deployments = render.of("Deployment")
    covered = set()
    for pdb in render.of("PodDisruptionBudget"):
        where = f"{render.name}: {ident(pdb)}"
        selector = (pdb.get("spec") or {}).get("selector")
        matched = [d["metadata"]["name"] for d in deployments if selector and selector_matches(selector, pod_labels(d))]
        if not matched:
            report.fail(where, "selects no Deployment's pods")
        covered.update(matched)
        spec = pdb.get("spec") or {}
        if "minAvailable" in spec and matched:
            dep = render.get("Deployment", matched[0])
            if as_int(spec["minAvailable"]) and as_int(spec["minAvailable"]) >= (dep["spec"].get("replicas") or 1):
                report.fail(where, "minAvailable leaves no pod evictable: node drains would hang")
    for d in deployments:
        if d["metadata"]["name"] not in covered:
            report.fail(f"{render.name}: {ident(d)}", "has no PodDisruptionBudget")


def check_ingress(render: Render, report: Report) -> None:
    for ing in render.of("Ingress"):
        where = f"{render.name}: {ident(ing)}"
        annotations = ing["metadata"].get("annotations") or {}
        for key in ("nginx.ingress.kubernetes.io/proxy-read-timeout", "nginx.ingress.kubernetes.io/proxy-send-timeout"):
            if (as_int(annotations.get(key)) or 0) < INGRESS_TIMEOUT_MIN:
                report.fail(where, f"{key} must be at least {INGRESS_TIMEOUT_MIN} (WebSockets stay open for hours)")
        for rule in (ing.get("spec") or {}).get("rules") or []:
            for path in (rule.get("http") or {}).get("paths") or []:
                backend = (path.get("backend") or {}).get("service") or {}
                svc = render.get("Service", backend.get("name"))
                port = backend.get("port") or {}
                if svc is None:
                    report.fail(where, f"backend Service {backend.get('name')!r} is not in this render")
                    continue
                if not any(p.get("name") == port.get("name") or p.get("port") == port.get("number") for p in svc["spec"]["ports"]):
                    report.fail(where, f"backend port {port} is not a port of Service/{svc['metadata']['name']}")
                if backend.get("name") != "bridge":
                    report.fail(where, "only the bridge is exposed outside the cluster")
    if (render.name == "base" or render.is_prod) and not render.of("Ingress"):
        report.fail(render.name, "the bridge needs an Ingress")


# --- NetworkPolicies ----------------------------------------------------------------------------

ANY = "<any source>"
MONITORING = "<monitoring>"


def expected_edges() -> set[tuple[str, str, int]]:
    edges = set()
    for target, spec in SERVICES.items():
        edges.add((MONITORING, target, spec.admin))
        for caller, cspec in SERVICES.items():
            if target in cspec.deps:
                edges.add((caller, target, spec.grpc))
    edges.add((ANY, "bridge", SERVICES["bridge"].http))
    return edges


def peer_sources(peer: dict, deployments: list[dict]) -> set[str]:
    """Who a NetworkPolicy `from` entry lets in, in the terms of expected_edges()."""
    if "ipBlock" in peer:
        return {f"<ipBlock {peer['ipBlock'].get('cidr')}>"}
    ns = peer.get("namespaceSelector")
    pods = peer.get("podSelector")
    if ns is not None:
        if ns == {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}} and not pods:
            return {MONITORING}
        return {f"<namespaces {ns} pods {pods}>"}
    if not pods:
        return {"<every pod of the namespace>"}
    return {d["metadata"]["name"] for d in deployments if selector_matches(pods, pod_labels(d))} or {f"<no pod: {pods}>"}


def check_network_policies(render: Render, report: Report) -> None:
    policies = render.of("NetworkPolicy")
    if not policies:
        if render.is_prod:
            report.fail(render.name, "NetworkPolicies must be enabled (components/network-policies)")
        return
    deployments = render.of("Deployment")
    if not any(
        p["spec"].get("podSelector") in ({}, None)
        and "Ingress" in (p["spec"].get("policyTypes") or [])
        and not p["spec"].get("ingress")
        for p in policies
    ):
        report.fail(render.name, "no default deny-all ingress NetworkPolicy (podSelector: {}, no ingress rules)")

    allowed: set[tuple[str, str, int | str]] = set()
    for pol in policies:
        spec = pol.get("spec") or {}
        targets = [d for d in deployments if selector_matches(spec.get("podSelector"), pod_labels(d))]
        for rule in spec.get("ingress") or []:
            sources: set[str] = set()
            for peer in rule.get("from") or [{}]:
                sources |= {ANY} if peer == {} else peer_sources(peer, deployments)
            for target in targets:
                main = next((c for c in pod_spec(target).get("containers") or [] if c.get("name") == target["metadata"]["name"]), {})
                ports = [container_port(main, p.get("port")) for p in rule.get("ports") or []] or ["<every port>"]
                for source in sources:
                    for port in ports:
                        allowed.add((source, target["metadata"]["name"], port))
        if "Egress" in (spec.get("policyTypes") or []):
            dns = any(
                any(as_int(p.get("port")) == 53 for p in r.get("ports") or []) for r in spec.get("egress") or []
            )
            if not dns:
                report.fail(f"{render.name}: {ident(pol)}", "restricts egress without allowing DNS (port 53)")

    want = expected_edges()
    for source, target, port in sorted(want - allowed, key=str):
        report.fail(render.name, f"NetworkPolicies do not let {source} reach {target} on port {port}")
    for source, target, port in sorted(allowed - want, key=str):
        report.fail(render.name, f"NetworkPolicies let {source} reach {target} on port {port}, which is not a dependency edge")
    check_egress(render, policies, report)


# Services whose egress prod must restrict: the internet-facing bridge.
EGRESS_RESTRICTED_IN_PROD = ("bridge",)


def service_ports(dep: dict) -> set[int]:
    spec = SERVICES.get(dep["metadata"]["name"])
    return {p for p in (spec.grpc, spec.http, spec.admin) if p} if spec else set()


def egress_destinations(peer: dict, deployments: list[dict], namespace: str | None) -> list[dict] | None:
    """The Courtside Deployments an egress `to` entry reaches; None for "any address" (an
    ipBlock may hold pod addresses too, so it counts as reaching every pod on its ports)."""
    if peer == {} or "ipBlock" in peer:
        return None
    ns = peer.get("namespaceSelector")
    if ns is not None and ns != {}:
        names = (ns.get("matchLabels") or {}).get("kubernetes.io/metadata.name")
        if names is None or names != namespace:
            return [] if names is not None else None
    pods = peer.get("podSelector") or {}
    return [d for d in deployments if selector_matches(pods, pod_labels(d))]


def check_egress(render: Render, policies: list[dict], report: Report) -> None:
    """Where each egress-restricted service may open connections to other Courtside pods: its
    dependencies' gRPC ports, and nothing else of Courtside."""
    deployments = render.of("Deployment")
    namespace = next((d["metadata"].get("namespace") for d in deployments), None)
    restricted: set[str] = set()
    allowed: set[tuple[str, str, int]] = set()
    for pol in policies:
        spec = pol.get("spec") or {}
        if "Egress" not in (spec.get("policyTypes") or []):
            continue
        sources = [d for d in deployments if selector_matches(spec.get("podSelector"), pod_labels(d))]
        restricted |= {d["metadata"]["name"] for d in sources}
        for rule in spec.get("egress") or []:
            for peer in rule.get("to") or [{}]:
                targets = egress_destinations(peer, deployments, namespace)
                for target in deployments if targets is None else targets:
                    main = next((c for c in pod_spec(target).get("containers") or [] if c.get("name") == target["metadata"]["name"]), {})
                    rule_ports = [container_port(main, p.get("port")) for p in rule.get("ports") or []]
                    for port in service_ports(target):
                        if rule.get("ports") and port not in rule_ports:
                            continue
                        for source in sources:
                            allowed.add((source["metadata"]["name"], target["metadata"]["name"], port))
    want = {(c, t, port) for (c, t, port) in expected_edges() if c in SERVICES}
    for source in sorted(restricted):
        for edge in sorted(e for e in want if e[0] == source):
            if edge not in allowed:
                report.fail(render.name, f"egress NetworkPolicies keep {source} from reaching {edge[1]} on port {edge[2]}, a dependency")
    for source, target, port in sorted(allowed - want):
        if source != target:
            report.fail(render.name, f"egress NetworkPolicies let {source} open connections to {target} on port {port}, which is not a dependency edge")
    if render.is_prod:
        for name in EGRESS_RESTRICTED_IN_PROD:
            if name not in restricted:
                report.fail(render.name, f"{name}'s egress is not restricted: the internet-facing service could reach every port of the cluster")


def check_render(render: Render, report: Report) -> None:
    if not render.of("Deployment"):
        report.fail(render.name, "renders no Deployment")
    names = {d["metadata"]["name"] for d in render.of("Deployment")}
    for missing in sorted(set(SERVICES) - names):
        report.fail(render.name, f"has no Deployment for {missing}")
    for dep in render.of("Deployment"):
        check_deployment(render, dep, report)
    check_scaling(render, report)
    check_services(render, report)
    check_budgets(render, report)
    check_ingress(render, report)
    check_network_policies(render, report)
    trust_services = {name: (spec.grpc, spec.deps) for name, spec in SERVICES.items()}
    if render.is_prod:
        check_trust.check_prod_trust(render, trust_services, report)
    check_trust.check_secret_owners(render, report)
    check_trust.check_certificates(render, trust_services, report)


# --- Dockerfiles --------------------------------------------------------------------------------


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    out, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if current and stripped.startswith("#"):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        word, _, rest = current.partition(" ")
        out.append((word.upper(), rest.strip()))
        current = ""
    return out


def dockerignore_patterns(repo: Path) -> list[str]:
    path = repo / ".dockerignore"
    if not path.exists():
        return []
    lines = [l.strip() for l in path.read_text().splitlines()]
    return [l for l in lines if l and not l.startswith("#")]


def ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps `path` (or a folder above it) out of the build context."""
    parts = path.strip("/").split("/")
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        pat = pattern.lstrip("!").strip("/")
        for i in range(1, len(parts) + 1):
            prefix = "/".join(parts[:i])
            if fnmatch.fnmatchcase(prefix, pat) or (pat.startswith("**/") and fnmatch.fnmatchcase(prefix, pat[3:])):
                result = not negate
                break
    return result


# The one Dockerfile of every service's image: `--build-arg SERVICE=<name>` picks the stage.
DOCKERFILE = "services/Dockerfile"


def image_stages(instructions: list[tuple[str, str]], service: str) -> list[tuple[str, list[tuple[str, str]]]]:
    """The stages an image of `service` is made of, base first: the last stage, then the stage it
    is FROM, and so on while that names a stage. Each stage: (its base image or stage, its
    instructions); `${SERVICE}` is `service` throughout (the build argument)."""
    stages: list[tuple[str, str | None, list[tuple[str, str]]]] = []
    for word, args in instructions:
        args = args.replace("${SERVICE}", service).replace("$SERVICE", service)
        if word == "FROM":
            tokens = [t for t in args.split() if not t.startswith("--")]
            name = tokens[2] if len(tokens) >= 3 and tokens[1].upper() == "AS" else None
            stages.append((tokens[0] if tokens else "", name, [(word, args)]))
        elif stages:
            stages[-1][2].append((word, args))
    if not stages:
        return []
    named = {name: stage for stage in stages if (name := stage[1])}
    chain = [stages[-1]]
    while chain[0][0] in named and named[chain[0][0]] not in chain:
        chain.insert(0, named[chain[0][0]])
    return [(base, body) for base, _, body in chain]


def check_dockerfiles(repo: Path, report: Report) -> None:
    if not (repo / "Package.swift").is_file():
        report.fail("Package.swift", "missing: the Dockerfiles build the repository's Swift package")
    package = (repo / "Package.swift").read_text() if (repo / "Package.swift").is_file() else ""
    patterns = dockerignore_patterns(repo)
    if not patterns:
        report.fail(".dockerignore", "missing or empty")
    for must in (".build*", ".venv", ".git", "run/"):
        if must not in patterns:
            report.fail(".dockerignore", f"must exclude {must}")

    path = repo / DOCKERFILE
    if not path.is_file():
        report.fail(DOCKERFILE, "missing")
        return
    instructions = dockerfile_instructions(path.read_text())
    for name, spec in SERVICES.items():
        where = f"{DOCKERFILE} (SERVICE={name})"
        stages = image_stages(instructions, name)
        froms = [word for word, _ in instructions if word == "FROM"]
        if len(froms) < 2:
            report.fail(where, "must be multi-stage (a Swift build stage and a slim runtime stage)")
        elif not stages or not stages[0][0].startswith("debian:bookworm-slim"):
            report.fail(where, f"runtime stage must be debian:bookworm-slim, is {stages[0][0] if stages else None!r}")
        image = [instruction for _, body in stages for instruction in body]

        runs = " ".join(args.replace("${SERVICE}", name).replace("$SERVICE", name) for word, args in instructions if word == "RUN")
        product = f"courtside-{name}"
        if not re.search(rf"--product\s+{re.escape(product)}(\s|$)", runs):
            report.fail(where, f"does not build --product {product}")
        if not re.search(rf'\.product\(\s*name:\s*"{re.escape(product)}"|\.executable\(\s*name:\s*"{re.escape(product)}"', package):
            report.note(where, f"Package.swift does not declare the product {product} yet")

        users = [args for word, args in image if word == "USER"]
        if not users or users[-1].split(":")[0] not in ("1000", "courtside"):
            report.fail(where, "must end as the non-root user 1000")
        entry = [args for word, args in image if word == "ENTRYPOINT"]
        if not entry or not re.search(rf'[\["\s]/app/{re.escape(product)}[\]"\s]', entry[-1] + " "):
            report.fail(where, f"ENTRYPOINT must run /app/{product}")
        exposed = {as_int(p.split("/")[0]) for word, args in image if word == "EXPOSE" for p in args.split()}
        want = {p for p in (spec.grpc, spec.http, spec.admin) if p}
        if exposed != want:
            report.fail(where, f"EXPOSE {sorted(x for x in exposed if x)} differs from the service's ports {sorted(want)}")

    for word, args in instructions:
        if word not in ("COPY", "ADD"):
            continue
        tokens = shlex.split(args)
        if any(t.startswith("--from") for t in tokens):
            continue
        sources = [t for t in tokens if not t.startswith("--")][:-1]
        for source in sources:
            rel = posixpath.normpath(source.lstrip("/")) if source not in (".", "./") else "."
            if rel == ".":
                if ignored("Package.swift", patterns) or ignored("Sources", patterns):
                    report.fail(DOCKERFILE, ".dockerignore excludes Package.swift or Sources from COPY .")
                continue
            matches = glob.glob(str(repo / rel))
            if not matches:
                if rel in PENDING_COPY_SOURCES:
                    report.note(DOCKERFILE, f"COPY {source}: not in the repository yet (another change adds it)")
                else:
                    report.fail(DOCKERFILE, f"COPY {source}: no such file in the repository")
                continue
            for match in matches:
                relmatch = os.path.relpath(match, repo)
                if ignored(relmatch, patterns):
                    report.fail(DOCKERFILE, f"COPY {source}: {relmatch} is excluded by .dockerignore")


# --- Entry point --------------------------------------------------------------------------------


def load(path: str) -> list[dict]:
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if d]


def run(renders: dict[str, list[dict]], repo: Path | None) -> Report:
    report = Report()
    for name, docs in renders.items():
        check_render(Render(name, docs), report)
    if repo is not None:
        check_dockerfiles(repo, report)
    return report


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, help="repository root (enables the Dockerfile checks)")
    parser.add_argument("renders", nargs="*", metavar="NAME=FILE")
    args = parser.parse_args(argv)
    renders = {}
    for item in args.renders:
        name, _, path = item.partition("=")
        renders[name] = load(path)
    report = run(renders, args.repo)
    for note in report.notes:
        print(f"note: {note}")
    for violation in report.violations:
        print(f"FAIL {violation}")
    if report.violations:
        print(f"{len(report.violations)} invariant(s) violated")
        return 1
    print(f"manifest invariants hold ({', '.join(renders)}; Dockerfiles)" if args.repo else "manifest invariants hold")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
