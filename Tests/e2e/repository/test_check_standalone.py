"""scripts/check-standalone finds what would break a clone that has nothing beside it."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
CHECK = os.path.join(ROOT, "scripts", "check-standalone")
SOURCES = """# Fixture sources

## `espn/x/a.json`

- sha256 `{digest}`
"""


def make_repo(tmp_path, files):
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    for rel, text in files.items():
        path = tmp_path / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    subprocess.run(["git", "-C", str(tmp_path), "add", "-A"], check=True)
    return tmp_path


def run_check(repo):
    return subprocess.run([sys.executable, CHECK, str(repo)], capture_output=True, text=True)


def fixtures(text="{}"):
    import hashlib

    digest = hashlib.sha256(text.encode()).hexdigest()
    return {"Tests/Fixtures/espn/x/a.json": text, "Tests/Fixtures/SOURCES.md": SOURCES.format(digest=digest)}


def test_a_clean_tree_passes(tmp_path):
    repo = make_repo(tmp_path, {**fixtures(), "README.md": "see [docs](docs/a.md)\n", "docs/a.md": "[up](../README.md)\n"})
    result = run_check(repo)
    assert result.returncode == 0, result.stdout


# The outside paths these cases plant are assembled here, so that this file itself names none.
UP = "." + "./"
SIBLING = "sha" + "red"


def quoted(*parts):
    return ", ".join(f'"{part}"' for part in parts)


@pytest.mark.parametrize(
    "rel,text",
    [
        ("README.md", f"replay `{UP}{SIBLING}/fixtures/x.json`\n"),
        ("services/feed/README.md", f"[fixtures]({UP * 3}elsewhere/f.json)\n"),
        ("Tests/e2e/feed/test_x.py", f"F = os.path.join(ROOT, {quoted('..', SIBLING, 'fixtures')})\n"),
        ("Tests/e2e/feed/test_y.py", f"F = os.path.join(HERE, {quoted(*['..'] * 4, 'peers')})\n"),
        ("scripts/run", "cd /" + "work/main && make\n"),
    ],
)
def test_a_path_outside_the_repository_fails(tmp_path, rel, text):
    repo = make_repo(tmp_path, {**fixtures(), rel: text})
    result = run_check(repo)
    assert result.returncode == 1
    assert rel in result.stdout


def test_benchmarks_may_name_their_peers(tmp_path):
    repo = make_repo(tmp_path, {**fixtures(), "benchmarks/grpc/run": f"peers={UP}{SIBLING}/bench\n", "BENCHMARKS.md": f"{UP}{SIBLING}/bench\n"})
    assert run_check(repo).returncode == 0


def test_a_fixture_that_differs_from_its_recorded_sum_fails(tmp_path):
    files = fixtures()
    files["Tests/Fixtures/espn/x/a.json"] = '{"edited": true}'
    result = run_check(make_repo(tmp_path, files))
    assert result.returncode == 1
    assert "differs from SOURCES.md" in result.stdout


def test_a_fixture_without_provenance_fails(tmp_path):
    files = {**fixtures(), "Tests/Fixtures/espn/x/b.json": "{}"}
    result = run_check(make_repo(tmp_path, files))
    assert result.returncode == 1
    assert "not described in SOURCES.md" in result.stdout


def test_this_repository_stands_alone():
    result = run_check(ROOT)
    assert result.returncode == 0, result.stdout
