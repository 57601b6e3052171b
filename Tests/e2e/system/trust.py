"""TLS and tokens on every hop of a test cluster, made as `make run` makes them: a throwaway CA
and a certificate per gRPC service from scripts/local-tls (localhost and 127.0.0.1), a signing
key, its JWKS and a token per caller from `courtside token` (docs/tls.md, docs/auth.md).

Every gRPC port serves TLS, every service verifies the servers it calls and sends its own token,
and reads need a token too (--require-read-token), so a hop without its credentials fails."""
import os
import subprocess

import grpc

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))

# The scopes of each caller: the services as `make run` issues them, the test's own clients, and
# an operator for the CLI.
SCOPES = {
    "score": "schedule:write,scores:read",
    "subscription": "scores:read",
    "bridge": "scores:read",
    "feed": "scores:publish,schedule:write,scores:read",
    "tester": "scores:publish,schedule:write,scores:read",
    "cli": "admin",
}
SERVERS = ("schedule", "score", "subscription")


class Trust:
    def __init__(self, directory, courtside):
        self.dir = os.path.join(directory, "trust")
        os.makedirs(self.dir, exist_ok=True)
        subprocess.run([os.path.join(ROOT, "scripts", "local-tls"), self.dir, *SERVERS], check=True, stdout=subprocess.DEVNULL)
        self.ca = os.path.join(self.dir, "ca.pem")
        self.jwks = os.path.join(self.dir, "jwks.json")
        key = os.path.join(self.dir, "signing-key.pem")
        subprocess.run([courtside, "token", "--new-key", key, "--jwks", self.jwks], check=True, stdout=subprocess.DEVNULL)
        for caller, scopes in SCOPES.items():
            token = subprocess.run([courtside, "token", "--key", key, "--subject", caller, "--scopes", scopes, "--ttl", "1h"],
                                   check=True, capture_output=True, text=True).stdout.strip()
            with open(self.token_file(caller), "w") as fh:
                fh.write(token)

    def token_file(self, caller):
        return os.path.join(self.dir, f"{caller}.token")

    def token(self, caller):
        with open(self.token_file(caller)) as fh:
            return fh.read().strip()

    def server_flags(self, name):
        """A gRPC service serving its certificate and checking tokens, reads included."""
        return ["--tls-cert-file", os.path.join(self.dir, f"{name}.pem"), "--tls-key-file", os.path.join(self.dir, f"{name}.key"),
                "--jwks-file", self.jwks, "--require-read-token"]

    def client_flags(self, caller):
        """A service that calls others: it verifies them with the CA and sends its token."""
        return ["--client-tls-ca-file", self.ca, "--token-file", self.token_file(caller)]

    def cli_environment(self):
        """The `courtside` CLI's settings, as an operator would export them."""
        return {"COURTSIDE_CLIENT_TLS_CA_FILE": self.ca, "COURTSIDE_TOKEN_FILE": self.token_file("cli")}

    def channel(self, address, caller="tester"):
        """A grpcio channel that verifies the server with the CA and sends `caller`'s token."""
        with open(self.ca, "rb") as fh:
            credentials = grpc.composite_channel_credentials(
                grpc.ssl_channel_credentials(root_certificates=fh.read()), grpc.access_token_call_credentials(self.token(caller)))
        return grpc.secure_channel(address, credentials)
