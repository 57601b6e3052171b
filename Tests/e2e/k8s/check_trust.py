"""Trust invariants of a rendered overlay: TLS, bearer tokens and the Secrets they come from.

Used by check_manifests.py. In prod (docs/tls.md, docs/auth.md, k8s/README.md "Trust"):
- every gRPC server serves TLS from its own Secret courtside-tls-<service> (tls.crt, tls.key) and
  checks tokens against the Secret courtside-jwks, which must exist (not optional);
- every caller verifies its servers with a CA (ca.crt of its own courtside-tls-<service>) and
  presents a token from its own Secret courtside-token-<service>;
- the files are mounted whole from those Secrets (no subPath, which the kubelet never updates, so
  a renewed certificate or token would not reach the service).
In every render: a courtside-tls-X or courtside-token-X Secret is mounted by service X only.
When cert-manager objects are present: each certificate Secret a service mounts is written by
exactly one Certificate, with the DNS names its callers dial, issued by an Issuer of the render.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

TLS_SECRET = "courtside-tls-{}"
TOKEN_SECRET = "courtside-token-{}"
JWKS_SECRET = "courtside-jwks"


@dataclass(frozen=True)
class SecretFile:
    """Where a file named by a setting comes from in the pod."""

    secret: str
    key: str
    optional: bool
    sub_path: bool


def main_container(dep: dict) -> dict:
    name = dep["metadata"]["name"]
    containers = dep.get("spec", {}).get("template", {}).get("spec", {}).get("containers") or []
    return next((c for c in containers if c.get("name") == name), {})


def secret_file(dep: dict, container: dict, path: object) -> SecretFile | None:
    """The Secret and key behind `path` in this container, or None when no Secret volume holds it."""
    if not isinstance(path, str) or not path.startswith("/"):
        return None
    volumes = {v.get("name"): v for v in dep["spec"]["template"]["spec"].get("volumes") or []}
    best = None
    for mount in container.get("volumeMounts") or []:
        root = (mount.get("mountPath") or "").rstrip("/")
        exact = root == path and mount.get("subPath")
        if (exact or path.startswith(root + "/")) and (best is None or len(root) > len(best[0])):
            best = (root, mount)
    if best is None:
        return None
    root, mount = best
    secret = (volumes.get(mount.get("name")) or {}).get("secret")
    if secret is None:
        return None
    relative = path[len(root) + 1:]
    if mount.get("subPath"):
        relative = posixpath.join(mount["subPath"], relative) if relative else mount["subPath"]
    key = relative
    for item in secret.get("items") or []:
        if item.get("path") == relative:
            key = item.get("key")
            break
    else:
        if secret.get("items"):
            return None
    return SecretFile(secret.get("secretName"), key, bool(secret.get("optional")), bool(mount.get("subPath")))


def check_file(where: str, what: str, env: dict, variable: str, dep: dict, container: dict, secret: str, key: str, report) -> None:
    """`variable` names a file that is key `key` of the Secret `secret`, mounted whole and required."""
    value = env.get(variable)
    if value is None:
        report.fail(where, f"{variable} is not set: {what}")
        return
    found = secret_file(dep, container, value)
    if found is None:
        report.fail(where, f"{variable}={value!r} is not on a mounted Secret volume ({what}: Secret {secret}, key {key})")
        return
    if found.secret != secret or found.key != key:
        report.fail(where, f"{variable} reads key {found.key!r} of Secret {found.secret!r}; {what} is key {key!r} of Secret {secret!r}")
    if found.optional:
        report.fail(where, f"Secret {found.secret} is mounted optional: without it the service would start without {what}")
    if found.sub_path:
        report.fail(where, f"{variable} is mounted with subPath: the kubelet never updates it, so a renewed file never arrives")


def check_prod_trust(render, services: dict, report) -> None:
    """TLS and tokens on every hop of a prod render. `services`: name -> (grpc port or None, deps)."""
    for dep in render.of("Deployment"):
        name = dep["metadata"]["name"]
        if name not in services:
            continue
        grpc, deps = services[name]
        where = f"{render.name}: {ident(dep)}"
        container = main_container(dep)
        env = render.effective_env(container)
        if grpc:
            own = TLS_SECRET.format(name)
            check_file(where, "the gRPC port's certificate", env, "COURTSIDE_TLS_CERT_FILE", dep, container, own, "tls.crt", report)
            check_file(where, "the gRPC port's private key", env, "COURTSIDE_TLS_KEY_FILE", dep, container, own, "tls.key", report)
            check_file(where, "the token keys (JWKS)", env, "COURTSIDE_JWKS_FILE", dep, container, JWKS_SECRET, "jwks.json", report)
        if deps:
            check_file(
                where, "the CA that verifies the servers it calls", env, "COURTSIDE_CLIENT_TLS_CA_FILE",
                dep, container, TLS_SECRET.format(name), "ca.crt", report,
            )
            check_file(where, "the token it presents", env, "COURTSIDE_TOKEN_FILE", dep, container, TOKEN_SECRET.format(name), "token", report)


def check_secret_owners(render, report) -> None:
    """A service's certificate and token Secrets are mounted by that service alone."""
    for dep in render.of("Deployment"):
        name = dep["metadata"]["name"]
        pod = dep["spec"]["template"]["spec"]
        for volume in pod.get("volumes") or []:
            secrets = [(volume.get("secret") or {}).get("secretName")]
            secrets += [(s.get("secret") or {}).get("name") for s in (volume.get("projected") or {}).get("sources") or []]
            for secret in filter(None, secrets):
                for prefix in ("courtside-tls-", "courtside-token-"):
                    owner = secret[len(prefix):] if secret.startswith(prefix) else None
                    if owner is not None and owner != name:
                        report.fail(f"{render.name}: {ident(dep)}", f"mounts Secret {secret}, which belongs to {owner}: each service holds only its own credentials")


def check_certificates(render, services: dict, report) -> None:
    """cert-manager objects, when the render has any, produce exactly the mounted certificate Secrets."""
    certificates = render.of("Certificate")
    if not certificates:
        return
    issuers = {i["metadata"]["name"] for i in render.of("Issuer")} | {i["metadata"]["name"] for i in render.of("ClusterIssuer")}
    produced: dict[str, list[dict]] = {}
    for cert in certificates:
        spec = cert.get("spec") or {}
        produced.setdefault(spec.get("secretName"), []).append(cert)
        ref = spec.get("issuerRef") or {}
        kind = ref.get("kind", "Issuer")
        if ref.get("name") not in issuers or not render.get(kind, ref.get("name")):
            report.fail(f"{render.name}: {ident(cert)}", f"issuerRef {ref} is not an Issuer of this render")
    for issuer in render.of("Issuer"):
        ca_secret = ((issuer.get("spec") or {}).get("ca") or {}).get("secretName")
        if ca_secret and not any((c.get("spec") or {}).get("isCA") for c in produced.get(ca_secret, [])):
            report.fail(f"{render.name}: {ident(issuer)}", f"signs with Secret {ca_secret}, which no CA Certificate (isCA: true) of this render writes")

    for dep in render.of("Deployment"):
        name = dep["metadata"]["name"]
        if name not in services:
            continue
        secret = TLS_SECRET.format(name)
        mounted = any((v.get("secret") or {}).get("secretName") == secret for v in dep["spec"]["template"]["spec"].get("volumes") or [])
        if not mounted:
            continue
        where = f"{render.name}: {ident(dep)}"
        writers = produced.get(secret, [])
        if len(writers) != 1:
            report.fail(where, f"Secret {secret} is written by {len(writers)} Certificates, not exactly one")
            continue
        cert = writers[0]
        namespace = cert["metadata"].get("namespace") or "default"
        names = set((cert.get("spec") or {}).get("dnsNames") or [])
        for want in (name, f"{name}.{namespace}.svc", f"{name}.{namespace}.svc.cluster.local"):
            if want not in names:
                report.fail(f"{render.name}: {ident(cert)}", f"dnsNames lack {want!r}")
        usages = (cert.get("spec") or {}).get("usages")
        if services[name][0] and usages is not None and "server auth" not in usages:
            report.fail(f"{render.name}: {ident(cert)}", "usages lack 'server auth': callers would refuse the gRPC port's certificate")


def ident(obj: dict) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"
