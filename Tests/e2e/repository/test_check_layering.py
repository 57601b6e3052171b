"""scripts/check-layering: the models (messages, domain, JSON, provider parsers) need no RPC stack."""
import os
import re
import shutil
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CHECK = os.path.join(ROOT, "scripts", "check-layering")


def run_check(root):
    return subprocess.run([sys.executable, CHECK, str(root)], capture_output=True, text=True)


def test_the_repository_passes():
    result = run_check(ROOT)
    assert result.returncode == 0, result.stderr
    assert "FeedSources" in result.stdout


def package_with(tmp_path, edit):
    """A copy of Package.swift with `edit` applied (dump-package reads only the manifest)."""
    with open(os.path.join(ROOT, "Package.swift")) as handle:
        text = handle.read()
    changed = edit(text)
    assert changed != text, "the edit changed nothing"
    (tmp_path / "Package.swift").write_text(changed)
    return tmp_path


def test_feed_sources_reaching_grpc_through_another_module_fails(tmp_path):
    # CourtsideDomain → CourtsideRPC → GRPC: FeedSources reaches the stack indirectly.
    root = package_with(
        tmp_path,
        lambda text: text.replace(
            '.target(name: "CourtsideDomain", dependencies: ["CourtsideProto"]',
            '.target(name: "CourtsideDomain", dependencies: ["CourtsideProto", "CourtsideRPC"]',
        ),
    )
    result = run_check(root)
    assert result.returncode == 1
    assert "FeedSources depends on the RPC stack: FeedSources → CourtsideDomain → CourtsideRPC" in result.stderr
    assert "CourtsideProto depends" not in result.stderr


def test_messages_depending_on_grpc_wire_fails(tmp_path):
    root = package_with(
        tmp_path,
        lambda text: re.sub(r'(name: "CourtsideProto",\s*dependencies: \[)', r'\1"GRPCWire", ', text, count=1),
    )
    result = run_check(root)
    assert result.returncode == 1
    assert "CourtsideProto depends on the RPC stack: CourtsideProto → GRPCWire" in result.stderr
    assert "FeedSources depends on the RPC stack" in result.stderr
