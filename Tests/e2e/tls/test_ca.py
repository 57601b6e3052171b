"""A throwaway certificate authority made with openssl in a temporary directory (no key is ever
committed): its CA certificate and the certificates it issues, as PEM files."""
import os
import shutil
import subprocess


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


class CertificateAuthority:
    def __init__(self, directory, name="test-ca"):
        self.dir = directory
        self.name = name
        self.cert = os.path.join(directory, f"{name}.pem")
        self.key = os.path.join(directory, f"{name}.key")
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                "-subj", f"/CN={name}", "-keyout", self.key, "-out", self.cert)

    def issue(self, name, sans):
        """A certificate good for servers and clients; returns (certificate file, key file)."""
        base = os.path.join(self.dir, name)
        with open(base + ".ext", "w") as fh:
            fh.write("basicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n"
                     f"subjectAltName={','.join(sans)}\n")
        openssl("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj", f"/CN={name}",
                "-keyout", base + ".key", "-out", base + ".csr")
        openssl("x509", "-req", "-in", base + ".csr", "-CA", self.cert, "-CAkey", self.key, "-CAcreateserial", "-days", "2",
                "-extfile", base + ".ext", "-out", base + ".pem")
        return base + ".pem", base + ".key"


def replace(destination, source):
    """Puts `source` in place of `destination` as a rotation does: a new file renamed over it."""
    staging = destination + ".new"
    shutil.copyfile(source, staging)
    os.replace(staging, destination)


def read(path):
    with open(path, "rb") as fh:
        return fh.read()
