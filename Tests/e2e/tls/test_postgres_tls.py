"""PostgreSQL over TLS from the storage URL: a throwaway server with `ssl = on` and a
`hostssl`-only pg_hba (its certificate from a test CA made with openssl), and the schedule
service as the client. verify-full passes with the name in the certificate and fails with
another; sslmode=disable is refused by the server; a bad sslmode stops the start.
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import common  # noqa: E402
import test_ca  # noqa: E402

BIN = os.environ["COURTSIDE_BIN"]


def postgres_bin():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL is not installed (scripts/install-deps --test)")
    return os.path.dirname(found[-1])


@pytest.fixture(scope="module")
def tls_postgres():
    pg = postgres_bin()
    directory = tempfile.mkdtemp(prefix="courtside-pg-tls.")
    as_pg = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    ca = test_ca.CertificateAuthority(directory)
    cert, key = ca.issue("postgres-server", ["DNS:localhost"])
    data = os.path.join(directory, "data")
    port = common.free_port()
    with open(os.path.join(directory, "pwfile"), "w") as fh:
        fh.write("courtside\n")
    if os.getuid() == 0:
        subprocess.run(["chown", "-R", "postgres", directory], check=True)
    os.chmod(key, 0o600)
    subprocess.run([*as_pg, f"{pg}/initdb", "-D", data, "-U", "courtside", f"--pwfile={directory}/pwfile", "-A", "scram-sha-256",
                    "--auth-local=trust"], check=True, stdout=subprocess.DEVNULL)
    with open(os.path.join(data, "pg_hba.conf"), "w") as fh:
        fh.write("local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\n")
    subprocess.run([*as_pg, f"{pg}/pg_ctl", "-D", data, "-l", f"{directory}/server.log", "-w", "-t", "30", "-o",
                    f"-c listen_addresses=127.0.0.1 -c port={port} -c unix_socket_directories={directory} -c ssl=on "
                    f"-c ssl_cert_file={cert} -c ssl_key_file={key}", "start"], check=True, stdout=subprocess.DEVNULL)
    try:
        subprocess.run([*as_pg, f"{pg}/createdb", "-h", directory, "-p", str(port), "-U", "courtside", "courtside_test"], check=True)
        yield {"port": port, "ca": ca.cert, "dir": directory}
    finally:
        subprocess.run([*as_pg, f"{pg}/pg_ctl", "-D", data, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(directory, ignore_errors=True)


def start_schedule(url, directory, refusal=None):
    """Runs courtside-schedule on `url` until it listens (True), or exits, logs `refusal` (its
    pool retries a refused connection) or a minute passes (False); with its output."""
    grpc_port = common.free_port()
    log_path = os.path.join(directory, f"schedule-{grpc_port}.log")
    with open(log_path, "w") as log:
        process = subprocess.Popen([os.path.join(BIN, "courtside-schedule"), "--grpc-port", str(grpc_port), "--admin-port", "0",
                                    "--storage", url], stdout=log, stderr=subprocess.STDOUT)
    try:
        try:
            process.wait(timeout=0.1)
        except subprocess.TimeoutExpired:
            pass
        deadline = time.time() + 60
        while process.poll() is None and time.time() < deadline:
            if refusal and refusal in open(log_path).read():
                return False, open(log_path).read()
            try:
                common.wait_for_port(grpc_port, timeout=0.5)
                return True, open(log_path).read()
            except RuntimeError:
                continue
        return False, open(log_path).read()
    finally:
        common.stop(process)


def url(server, host, mode, rootcert=True):
    query = f"sslmode={mode}" + (f"&sslrootcert={server['ca']}" if rootcert else "")
    return f"postgres://courtside:courtside@{host}:{server['port']}/courtside_test?{query}"


def test_verify_full_with_the_certificates_name_connects(tls_postgres):
    ok, log = start_schedule(url(tls_postgres, "localhost", "verify-full"), tls_postgres["dir"])
    assert ok, log


def refused(ok, log):
    """Did not start, and said so without crashing."""
    return not ok and "Program crashed" not in log and "error" in log.lower()


def test_verify_full_with_another_host_name_fails(tls_postgres):
    # 127.0.0.1 reaches the same server, but its certificate names only localhost.
    ok, log = start_schedule(url(tls_postgres, "127.0.0.1", "verify-full"), tls_postgres["dir"], refusal="failedToValidateHostname")
    assert refused(ok, log) and "failedToValidateHostname" in log, log


def test_verify_ca_accepts_the_chain_whatever_the_name(tls_postgres):
    ok, log = start_schedule(url(tls_postgres, "127.0.0.1", "verify-ca"), tls_postgres["dir"])
    assert ok, log


def test_verify_ca_with_another_ca_fails(tls_postgres):
    other = test_ca.CertificateAuthority(tls_postgres["dir"], "unrelated-ca")
    ok, log = start_schedule(
        f"postgres://courtside:courtside@localhost:{tls_postgres['port']}/courtside_test?sslmode=verify-ca&sslrootcert={other.cert}",
        tls_postgres["dir"], refusal="CERTIFICATE_VERIFY_FAILED",
    )
    assert refused(ok, log) and "CERTIFICATE_VERIFY_FAILED" in log, log


def test_a_cleartext_connection_is_refused_by_the_hostssl_only_server(tls_postgres):
    ok, log = start_schedule(url(tls_postgres, "localhost", "disable", rootcert=False), tls_postgres["dir"], refusal="pg_hba.conf")
    assert refused(ok, log) and "no encryption" in log, log


def test_an_unknown_sslmode_stops_the_start_with_a_clear_error(tls_postgres):
    ok, log = start_schedule(url(tls_postgres, "localhost", "prefer", rootcert=False), tls_postgres["dir"])
    assert refused(ok, log), log
    assert "sslmode must be one of disable, require, verify-ca, verify-full (got 'prefer')" in log
