#!/usr/bin/env python3
"""Proves that check_manifests.py fails when an invariant is broken.

Each test takes the real rendered overlays (K8S_RENDERED_DIR/{base,dev,prod,prod+cert-manager}.yaml, written by
./run), breaks one thing the way a careless edit would, and expects the checker to name it. The
untouched renders must pass, so a checker that fails on everything would be caught too.
"""

from __future__ import annotations

import copy
import os
import shutil
import tempfile
import unittest
from pathlib import Path

import check_manifests as cm

RENDERED = Path(os.environ.get("K8S_RENDERED_DIR", "."))
REPO = Path(__file__).resolve().parents[3]


def renders() -> dict[str, list[dict]]:
    return {name: cm.load(str(RENDERED / f"{name}.yaml")) for name in ("base", "dev", "prod", "prod+cert-manager")}


def find(docs: list[dict], kind: str, name: str) -> dict:
    for d in docs:
        if d.get("kind") == kind and d["metadata"]["name"] == name:
            return d
    raise KeyError(f"{kind}/{name}")


def container(docs: list[dict], name: str) -> dict:
    return find(docs, "Deployment", name)["spec"]["template"]["spec"]["containers"][0]


class ViolationCase(unittest.TestCase):
    """Fresh renders for each test, and an assertion that the checker names a violation."""

    def setUp(self) -> None:
        self.renders = renders()

    def violations(self, renders: dict | None = None, repo: Path | None = None) -> list[str]:
        return cm.run(renders if renders is not None else self.renders, repo).violations

    def assertFlags(self, fragment: str, renders: dict | None = None, repo: Path | None = None) -> None:
        found = self.violations(renders, repo)
        self.assertTrue(
            any(fragment in v for v in found),
            f"expected a violation mentioning {fragment!r}, got {found or 'none'}",
        )


class CheckerFailsOnViolations(ViolationCase):
    def test_untouched_manifests_pass(self) -> None:
        self.assertEqual(self.violations(repo=REPO), [])

    def test_missing_readiness_probe(self) -> None:
        del container(self.renders["base"], "score")["readinessProbe"]
        self.assertFlags("base: Deployment/score: readinessProbe is missing")

    def test_grpc_probe_on_wrong_port(self) -> None:
        container(self.renders["dev"], "schedule")["livenessProbe"]["grpc"]["port"] = 50051
        self.assertFlags("livenessProbe probes grpc port 50051, the gRPC port is 50052")

    def test_http_probe_instead_of_grpc(self) -> None:
        c = container(self.renders["dev"], "subscription")
        c["readinessProbe"] = {"httpGet": {"path": "/readyz", "port": "admin"}}
        self.assertFlags("readinessProbe must be a native grpc probe")

    def test_bridge_probe_not_on_admin_port(self) -> None:
        container(self.renders["base"], "bridge")["readinessProbe"]["httpGet"]["port"] = "http"
        self.assertFlags("readinessProbe probes port 'http', the admin port is 9104")

    def test_service_port_differs_from_default(self) -> None:
        svc = find(self.renders["base"], "Service", "score")
        svc["spec"]["ports"][0]["port"] = 443
        self.assertFlags("Service/score: port grpc is 443")

    def test_missing_app_protocol(self) -> None:
        del find(self.renders["base"], "Service", "schedule")["spec"]["ports"][0]["appProtocol"]
        self.assertFlags("port grpc must have appProtocol: kubernetes.io/h2c")

    def test_undocumented_environment_variable(self) -> None:
        find(self.renders["dev"], "ConfigMap", "bridge")["data"]["COURTSIDE_BRIDGE_PORT"] = "8080"
        self.assertFlags("COURTSIDE_BRIDGE_PORT is not a documented setting of bridge")

    def test_admin_port_left_on_loopback(self) -> None:
        del find(self.renders["prod"], "ConfigMap", "score")["data"]["COURTSIDE_ADMIN_HOST"]
        self.assertFlags("COURTSIDE_ADMIN_HOST must be 0.0.0.0 in a container (is None)")

    def test_grpc_service_without_keys_or_anonymous_writes(self) -> None:
        del find(self.renders["prod"], "ConfigMap", "score")["data"]["COURTSIDE_JWKS_FILE"]
        self.assertFlags("neither COURTSIDE_JWKS_FILE nor COURTSIDE_ALLOW_ANONYMOUS_WRITES: the service refuses to start")

    def test_anonymous_writes_in_prod(self) -> None:
        find(self.renders["prod"], "ConfigMap", "schedule")["data"]["COURTSIDE_ALLOW_ANONYMOUS_WRITES"] = "true"
        self.assertFlags("COURTSIDE_ALLOW_ANONYMOUS_WRITES lets anyone write: never in prod")

    def test_setting_of_another_service(self) -> None:
        find(self.renders["base"], "ConfigMap", "feed")["data"]["COURTSIDE_STORAGE"] = "sqlite:/data/feed.db"
        self.assertFlags("COURTSIDE_STORAGE is not a documented setting of feed")

    def test_every_private_range_trusted(self) -> None:
        find(self.renders["prod"], "ConfigMap", "bridge")["data"]["COURTSIDE_TRUSTED_PROXIES"] = "10.0.0.0/8,192.168.0.0/16"
        self.assertFlags("COURTSIDE_TRUSTED_PROXIES: '10.0.0.0/8' is wider than /16")

    def test_trusted_proxy_not_an_address(self) -> None:
        find(self.renders["base"], "ConfigMap", "bridge")["data"]["COURTSIDE_TRUSTED_PROXIES"] = "ingress-nginx"
        self.assertFlags("COURTSIDE_TRUSTED_PROXIES: 'ingress-nginx' is neither an address nor a CIDR range")

    def test_wrong_dependency_address(self) -> None:
        find(self.renders["base"], "ConfigMap", "bridge")["data"]["COURTSIDE_SCORE_ADDR"] = "score:50052"
        self.assertFlags("COURTSIDE_SCORE_ADDR must be 'score:50051'")

    def test_missing_limits(self) -> None:
        del container(self.renders["prod"], "feed")["resources"]["limits"]
        self.assertFlags("resources.limits.cpu is missing")

    def test_writable_root_filesystem(self) -> None:
        container(self.renders["base"], "bridge")["securityContext"]["readOnlyRootFilesystem"] = False
        self.assertFlags("securityContext.readOnlyRootFilesystem must be True")

    def test_capabilities_kept(self) -> None:
        del container(self.renders["base"], "score")["securityContext"]["capabilities"]
        self.assertFlags("capabilities.drop must include ALL")

    def test_pod_runs_as_root(self) -> None:
        pod = find(self.renders["prod"], "Deployment", "subscription")["spec"]["template"]["spec"]
        pod["securityContext"]["runAsUser"] = 0
        self.assertFlags("pod securityContext.runAsUser must be 1000")

    def test_grace_period_too_short(self) -> None:
        find(self.renders["base"], "Deployment", "bridge")["spec"]["template"]["spec"]["terminationGracePeriodSeconds"] = 25
        self.assertFlags("terminationGracePeriodSeconds (25) must exceed preStop (5) + COURTSIDE_SHUTDOWN_GRACE_SECONDS (20)")

    def test_grace_raised_without_grace_period(self) -> None:
        find(self.renders["base"], "ConfigMap", "score")["data"]["COURTSIDE_SHUTDOWN_GRACE_SECONDS"] = "40"
        self.assertFlags("COURTSIDE_SHUTDOWN_GRACE_SECONDS (40)")

    def test_missing_prestop(self) -> None:
        del container(self.renders["dev"], "feed")["lifecycle"]
        self.assertFlags("preStop must sleep")

    def test_hpa_on_missing_deployment(self) -> None:
        find(self.renders["prod"], "HorizontalPodAutoscaler", "subscription")["spec"]["scaleTargetRef"]["name"] = "subscriptions"
        self.assertFlags("scaleTargetRef")

    def test_pdb_selecting_nothing(self) -> None:
        pdb = find(self.renders["base"], "PodDisruptionBudget", "feed")
        pdb["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"] = "feeder"
        self.assertFlags("PodDisruptionBudget/feed: selects no Deployment's pods")

    def test_score_scaled_on_sqlite(self) -> None:
        find(self.renders["base"], "Deployment", "score")["spec"]["replicas"] = 2
        self.assertFlags("must run exactly 1 replica (one writer per game)")

    def test_score_rolled_with_two_writers(self) -> None:
        find(self.renders["prod"], "Deployment", "score")["spec"]["strategy"] = {"type": "RollingUpdate"}
        self.assertFlags("must use the Recreate strategy (one writer per game)")

    def test_literal_postgres_credentials(self) -> None:
        c = container(self.renders["prod"], "schedule")
        c["env"] = [{"name": "COURTSIDE_STORAGE", "value": "postgres://u:secret@db:5432/x"}]
        self.assertFlags("take COURTSIDE_STORAGE from a Secret")

    def test_sqlite_on_read_only_root(self) -> None:
        find(self.renders["dev"], "ConfigMap", "schedule")["data"]["COURTSIDE_STORAGE"] = "sqlite:/app/schedule.db"
        self.assertFlags("is not on a mounted volume")

    def test_extra_network_edge(self) -> None:
        pol = find(self.renders["prod"], "NetworkPolicy", "subscription")
        pol["spec"]["ingress"][0]["from"].append({"podSelector": {"matchLabels": {"app.kubernetes.io/name": "feed"}}})
        self.assertFlags("let feed reach subscription on port 50053, which is not a dependency edge")

    def test_missing_network_edge(self) -> None:
        pol = find(self.renders["prod"], "NetworkPolicy", "score")
        pol["spec"]["ingress"][0]["from"] = [
            p for p in pol["spec"]["ingress"][0]["from"] if p["podSelector"]["matchLabels"]["app.kubernetes.io/name"] != "bridge"
        ]
        self.assertFlags("do not let bridge reach score on port 50051")

    def test_network_policy_open_to_all(self) -> None:
        pol = find(self.renders["prod"], "NetworkPolicy", "schedule")
        del pol["spec"]["ingress"][0]["from"]
        self.assertFlags("let <any source> reach schedule on port 50052")

    def test_prod_without_network_policies(self) -> None:
        self.renders["prod"] = [d for d in self.renders["prod"] if d["kind"] != "NetworkPolicy"]
        self.assertFlags("prod: NetworkPolicies must be enabled")

    def test_no_default_deny(self) -> None:
        self.renders["prod"] = [d for d in self.renders["prod"] if d["metadata"]["name"] != "deny-all"]
        self.assertFlags("no default deny-all ingress NetworkPolicy")

    def test_dev_with_two_bridges(self) -> None:
        find(self.renders["dev"], "Deployment", "bridge")["spec"]["replicas"] = 2
        self.assertFlags("dev: Deployment/bridge: the dev overlay runs exactly 1 replica")


def volume(docs: list[dict], deployment: str, name: str) -> dict:
    for v in find(docs, "Deployment", deployment)["spec"]["template"]["spec"]["volumes"]:
        if v["name"] == name:
            return v
    raise KeyError(name)


def policy_rules(docs: list[dict], name: str, direction: str) -> list[dict]:
    return find(docs, "NetworkPolicy", name)["spec"][direction]


class TrustChecksFail(ViolationCase):
    """TLS, tokens, keys and their Secrets in prod; egress; cert-manager (k8s/README.md, "Trust")."""

    def test_grpc_probe_on_tls_port(self) -> None:
        container(self.renders["prod"], "score")["readinessProbe"] = {"grpc": {"port": 50051}}
        self.assertFlags("prod: Deployment/score: readinessProbe is a grpc probe on a TLS port")

    def test_tls_port_announced_as_cleartext(self) -> None:
        find(self.renders["prod"], "Service", "subscription")["spec"]["ports"][0]["appProtocol"] = "kubernetes.io/h2c"
        self.assertFlags("Service/subscription: port grpc must have appProtocol: https (its port serves TLS)")

    def test_grpc_server_without_tls(self) -> None:
        del find(self.renders["prod"], "ConfigMap", "schedule")["data"]["COURTSIDE_TLS_CERT_FILE"]
        self.assertFlags("prod: Deployment/schedule: COURTSIDE_TLS_CERT_FILE is not set")

    def test_grpc_server_without_keys_with_cert_manager(self) -> None:
        del find(self.renders["prod+cert-manager"], "ConfigMap", "subscription")["data"]["COURTSIDE_JWKS_FILE"]
        self.assertFlags("prod+cert-manager: Deployment/subscription: COURTSIDE_JWKS_FILE is not set")

    def test_anonymous_writes_with_cert_manager(self) -> None:
        find(self.renders["prod+cert-manager"], "ConfigMap", "score")["data"]["COURTSIDE_ALLOW_ANONYMOUS_WRITES"] = "true"
        self.assertFlags("prod+cert-manager: Deployment/score container score: COURTSIDE_ALLOW_ANONYMOUS_WRITES lets anyone write")

    def test_anonymous_writes_in_other_words(self) -> None:
        find(self.renders["prod"], "ConfigMap", "subscription")["data"]["COURTSIDE_ALLOW_ANONYMOUS_WRITES"] = "Yes"
        self.assertFlags("prod: Deployment/subscription container subscription: COURTSIDE_ALLOW_ANONYMOUS_WRITES lets anyone write")

    def test_anonymous_writes_from_a_secret(self) -> None:
        container(self.renders["prod"], "schedule")["env"].append(
            {"name": "COURTSIDE_ALLOW_ANONYMOUS_WRITES", "valueFrom": {"secretKeyRef": {"name": "flags", "key": "anon"}}}
        )
        self.assertFlags("prod: Deployment/schedule container schedule: COURTSIDE_ALLOW_ANONYMOUS_WRITES lets anyone write")

    def test_anonymous_writes_as_a_flag(self) -> None:
        container(self.renders["prod"], "score")["args"] = ["--allow-anonymous-writes"]
        self.assertFlags("prod: Deployment/score container score: --allow-anonymous-writes lets anyone write")

    def test_key_from_another_services_secret(self) -> None:
        volume(self.renders["prod"], "score", "tls")["secret"]["secretName"] = "courtside-tls-schedule"
        self.assertFlags("COURTSIDE_TLS_KEY_FILE reads key 'tls.key' of Secret 'courtside-tls-schedule'")
        self.assertFlags("Deployment/score: mounts Secret courtside-tls-schedule, which belongs to schedule")

    def test_key_file_not_on_a_secret(self) -> None:
        find(self.renders["prod"], "ConfigMap", "score")["data"]["COURTSIDE_TLS_KEY_FILE"] = "/tmp/tls.key"
        self.assertFlags("COURTSIDE_TLS_KEY_FILE='/tmp/tls.key' is not on a mounted Secret volume")

    def test_jwks_optional_in_prod(self) -> None:
        volume(self.renders["prod"], "schedule", "jwks")["secret"]["optional"] = True
        self.assertFlags("Deployment/schedule: Secret courtside-jwks is mounted optional")

    def test_caller_without_ca(self) -> None:
        del find(self.renders["prod"], "ConfigMap", "bridge")["data"]["COURTSIDE_CLIENT_TLS_CA_FILE"]
        self.assertFlags("prod: Deployment/bridge: COURTSIDE_CLIENT_TLS_CA_FILE is not set")

    def test_caller_without_token(self) -> None:
        del find(self.renders["prod+cert-manager"], "ConfigMap", "feed")["data"]["COURTSIDE_TOKEN_FILE"]
        self.assertFlags("prod+cert-manager: Deployment/feed: COURTSIDE_TOKEN_FILE is not set")

    def test_token_secret_of_another_service(self) -> None:
        pod = find(self.renders["prod"], "Deployment", "bridge")["spec"]["template"]["spec"]
        pod["volumes"].append({"name": "feed-token", "secret": {"secretName": "courtside-token-feed"}})
        self.assertFlags("Deployment/bridge: mounts Secret courtside-token-feed, which belongs to feed")

    def test_token_mounted_with_sub_path(self) -> None:
        c = container(self.renders["prod"], "subscription")
        mount = next(m for m in c["volumeMounts"] if m["name"] == "token")
        mount.update({"mountPath": "/etc/courtside/token/token", "subPath": "token"})
        self.assertFlags("Deployment/subscription: COURTSIDE_TOKEN_FILE is mounted with subPath")

    def test_admin_port_open_to_a_label_in_any_namespace(self) -> None:
        rules = policy_rules(self.renders["prod"], "score", "ingress")
        rules[1]["from"].append({"namespaceSelector": {}, "podSelector": {"matchLabels": {"app.kubernetes.io/name": "prometheus"}}})
        self.assertFlags("reach score on port 9101, which is not a dependency edge")

    def test_bridge_egress_to_feed(self) -> None:
        policy_rules(self.renders["prod"], "bridge", "egress").append(
            {"to": [{"podSelector": {"matchLabels": {"app.kubernetes.io/name": "feed"}}}]}
        )
        self.assertFlags("egress NetworkPolicies let bridge open connections to feed on port 9105")

    def test_bridge_egress_to_everything_on_a_port(self) -> None:
        policy_rules(self.renders["prod+cert-manager"], "bridge", "egress").append({"ports": [{"port": 9102}]})
        self.assertFlags("let bridge open connections to schedule on port 9102")

    def test_bridge_egress_unrestricted(self) -> None:
        spec = find(self.renders["prod"], "NetworkPolicy", "bridge")["spec"]
        spec["policyTypes"] = ["Ingress"]
        del spec["egress"]
        self.assertFlags("prod: bridge's egress is not restricted")

    def test_egress_without_dns(self) -> None:
        rules = policy_rules(self.renders["prod"], "feed", "egress")
        rules[:] = [r for r in rules if not any(p.get("port") == 53 for p in r.get("ports") or [])]
        self.assertFlags("NetworkPolicy/feed: restricts egress without allowing DNS")

    def test_bridge_egress_misses_a_dependency(self) -> None:
        rules = policy_rules(self.renders["prod"], "bridge", "egress")
        rules[:] = [r for r in rules if not any(p.get("port") == 50053 for p in r.get("ports") or [])]
        self.assertFlags("keep bridge from reaching subscription on port 50053, a dependency")

    def test_certificate_without_namespace_name(self) -> None:
        cert = find(self.renders["prod+cert-manager"], "Certificate", "courtside-tls-score")
        cert["spec"]["dnsNames"].remove("score.courtside.svc")
        self.assertFlags("Certificate/courtside-tls-score: dnsNames lack 'score.courtside.svc'")

    def test_certificate_without_the_dialled_name(self) -> None:
        cert = find(self.renders["prod+cert-manager"], "Certificate", "courtside-tls-schedule")
        cert["spec"]["dnsNames"].remove("schedule")
        self.assertFlags("Certificate/courtside-tls-schedule: dnsNames lack 'schedule'")

    def test_mounted_secret_no_certificate_writes(self) -> None:
        docs = self.renders["prod+cert-manager"]
        docs.remove(find(docs, "Certificate", "courtside-tls-bridge"))
        self.assertFlags("Deployment/bridge: Secret courtside-tls-bridge is written by 0 Certificates")

    def test_certificate_from_unknown_issuer(self) -> None:
        find(self.renders["prod+cert-manager"], "Certificate", "courtside-tls-feed")["spec"]["issuerRef"]["name"] = "letsencrypt"
        self.assertFlags("Certificate/courtside-tls-feed: issuerRef")

    def test_server_certificate_without_server_auth(self) -> None:
        find(self.renders["prod+cert-manager"], "Certificate", "courtside-tls-subscription")["spec"]["usages"] = ["client auth"]
        self.assertFlags("Certificate/courtside-tls-subscription: usages lack 'server auth'")

    def test_ca_issuer_without_ca_certificate(self) -> None:
        find(self.renders["prod+cert-manager"], "Certificate", "courtside-ca")["spec"]["isCA"] = False
        self.assertFlags("Issuer/courtside-ca: signs with Secret courtside-ca, which no CA Certificate")


class CustomResourceValidation(unittest.TestCase):
    """validate_custom_resources.py refuses what cert-manager's API would refuse or drop."""

    def setUp(self) -> None:
        import validate_custom_resources

        self.check = validate_custom_resources.check
        self.certificate = copy.deepcopy(find(renders()["prod+cert-manager"], "Certificate", "courtside-tls-score"))

    def test_rendered_certificate_valid(self) -> None:
        self.assertEqual(self.check(self.certificate), [])

    def test_misspelt_field(self) -> None:
        self.certificate["spec"]["dnsName"] = self.certificate["spec"].pop("dnsNames")
        self.assertTrue(any("spec.dnsName: no such field" in p for p in self.check(self.certificate)), self.check(self.certificate))

    def test_value_outside_the_enum(self) -> None:
        self.certificate["spec"]["privateKey"]["rotationPolicy"] = "Sometimes"
        self.assertTrue(any("rotationPolicy" in p for p in self.check(self.certificate)), self.check(self.certificate))

    def test_missing_required_field(self) -> None:
        del self.certificate["spec"]["secretName"]
        self.assertTrue(any("secretName: Field required" in p for p in self.check(self.certificate)), self.check(self.certificate))


class DockerfileChecks(unittest.TestCase):
    """The Dockerfile checks, on a throwaway copy of the files they read."""

    def setUp(self) -> None:
        self.tmp = Path(tempfile.mkdtemp())
        for rel in ("Package.swift", ".dockerignore"):
            shutil.copy(REPO / rel, self.tmp / rel)
        shutil.copytree(REPO / "services", self.tmp / "services", ignore=shutil.ignore_patterns(".build*"))
        (self.tmp / "Sources").mkdir()

    def tearDown(self) -> None:
        shutil.rmtree(self.tmp)

    def violations(self) -> list[str]:
        report = cm.Report()
        cm.check_dockerfiles(self.tmp, report)
        return report.violations

    def edit(self, old: str, new: str) -> None:
        path = self.tmp / "services" / "Dockerfile"
        text = path.read_text()
        self.assertIn(old, text)
        path.write_text(text.replace(old, new, 1))

    def assert_fails_only(self, service: str, message: str) -> None:
        """A violation for `service`'s image, and none for score's (the change touched one stage)."""
        violations = self.violations()
        self.assertTrue(any(f"(SERVICE={service}): {message}" in v for v in violations), violations)
        self.assertFalse(any("(SERVICE=score)" in v for v in violations), violations)

    def test_copy_pass(self) -> None:
        self.assertEqual(self.violations(), [])

    def test_copy_of_missing_file(self) -> None:
        self.edit("COPY . .", "COPY . .\nCOPY config/score.toml /app/")
        self.assertTrue(any("COPY config/score.toml: no such file" in v for v in self.violations()), self.violations())

    def test_copy_of_ignored_file(self) -> None:
        (self.tmp / "run").mkdir()
        (self.tmp / "run" / "seed.db").write_text("")
        self.edit("COPY . .", "COPY . .\nCOPY run/seed.db /app/")
        self.assertTrue(any("excluded by .dockerignore" in v for v in self.violations()), self.violations())

    def test_missing_package_swift(self) -> None:
        (self.tmp / "Package.swift").unlink()
        self.assertTrue(any("Package.swift: missing" in v for v in self.violations()), self.violations())

    def test_runs_as_root(self) -> None:
        self.edit("USER 1000:1000", "USER 1000:1000\n\nFROM runtime AS debug\nUSER root")
        self.edit("FROM runtime AS feed", "FROM debug AS feed")
        self.assert_fails_only("feed", "must end as the non-root user 1000")

    def test_wrong_product(self) -> None:
        self.edit("--product courtside-${SERVICE}", "--product courtside-bridges")
        self.assertTrue(any("does not build --product courtside-bridge" in v for v in self.violations()), self.violations())

    def test_wrong_exposed_port(self) -> None:
        self.edit("EXPOSE 50053 9103", "EXPOSE 50051 9103")
        self.assertTrue(any("EXPOSE" in v for v in self.violations()), self.violations())

    def test_the_image_is_not_the_stage_of_its_service(self) -> None:
        self.edit("FROM ${SERVICE}", "FROM score")
        self.assert_fails_only("feed", "ENTRYPOINT must run /app/courtside-feed")

    def test_a_service_stage_on_the_wrong_runtime(self) -> None:
        self.edit("FROM runtime AS bridge", "FROM build AS bridge")
        self.assert_fails_only("bridge", "runtime stage must be debian:bookworm-slim")


if __name__ == "__main__":
    unittest.main()
