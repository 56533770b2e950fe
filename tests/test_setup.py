"""The two README commands set themselves up: system packages (tools/system-deps), pytest's "no tests
collected" as a loud failure, and a built wheel that carries the rule pack and the demo state."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DEPS = REPO / "tools" / "system-deps"


def _deps(*needs: str, env: dict[str, str], as_root: bool) -> subprocess.CompletedProcess:
    """Run tools/system-deps as root (or root of a user namespace) or as an unprivileged user."""
    if as_root:
        prefix = [] if os.geteuid() == 0 else ["unshare", "--user", "--map-root-user"]
    else:
        prefix = ["runuser", "-u", "nobody", "--"] if os.geteuid() == 0 else []
    return subprocess.run(
        [*prefix, "bash", str(DEPS), *needs],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": os.environ["PATH"], **env},
    )


def test_nothing_to_install_when_present(tmp_path: Path) -> None:
    chromium = tmp_path / "chromium"
    chromium.write_text("#!/bin/sh\n")
    chromium.chmod(0o755)
    done = _deps("chromium", env={"CERTLIB_CHROMIUM": str(chromium), "CERTLIB_DEPS_DRY_RUN": "1"}, as_root=True)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")


def test_root_installs_what_is_missing_with_apt_get() -> None:
    done = _deps(
        "chromium",
        "postgresql",
        "java",
        as_root=True,
        env={
            "CERTLIB_CHROMIUM": "/nonexistent/chromium",
            "CERTLIB_DEPS_ASSUME_MISSING": "java",
            "CERTLIB_DEPS_DRY_RUN": "1",
        },
    )
    assert done.returncode == 0, done.stderr
    assert "installing chromium default-jre-headless with apt-get" in done.stderr
    assert done.stdout.splitlines() == [
        "dry run: apt-get update -qq",
        "dry run: apt-get install -y -qq chromium default-jre-headless",
    ]


def test_without_root_it_stops_at_once_with_one_line() -> None:
    done = _deps(
        "chromium",
        "venv",
        as_root=False,
        env={"CERTLIB_CHROMIUM": "/nonexistent/chromium", "CERTLIB_DEPS_ASSUME_MISSING": "venv"},
    )
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "certlib: missing system packages: install chromium python3 python3-venv (Debian: sudo apt-get install "
        "-y chromium python3 python3-venv), then run make again"
    ]


def test_make_test_fails_loudly_when_pytest_collects_nothing() -> None:
    """pytest's exit code 5 (nothing collected) is not a pass, and says why."""
    done = subprocess.run(
        [
            "make",
            "-s",
            "-C",
            str(REPO),
            "test",
            f"PY={sys.executable}",
            "STAMP=",
            "TEST_NEEDS=",
            "PYTEST_ARGS=-p no:xdist -p no:cacheprovider tests/test_setup.py -k no_test_is_named_like_this",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "certlib: pytest collected no tests" in done.stderr


@pytest.mark.slow
def test_a_built_wheel_carries_the_pack_and_the_demo(tmp_path: Path) -> None:
    """Build the wheel from a copy of the sources, install it into a new venv (its dependencies taken
    from this environment), and run the demo and the default pack from ``/``."""
    src = tmp_path / "src"
    src.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy(REPO / name, src / name)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in ("certlib", "rules", "sample_data"):
        shutil.copytree(REPO / name, src / name, ignore=ignore)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH" and not k.startswith("CERTLIB_")}
    pip = [sys.executable, "-m", "pip", "-q", "--disable-pip-version-check"]
    subprocess.run(
        [*pip, "wheel", str(src), "--no-deps", "--no-build-isolation", "-w", str(tmp_path / "dist")],
        check=True,
        env=env,
        timeout=300,
        capture_output=True,
    )
    wheel = next((tmp_path / "dist").glob("certlib-*.whl"))

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    site = next(venv.glob("lib/python*/site-packages"))
    subprocess.run(
        [*pip, "install", "--no-deps", "--target", str(site), str(wheel)],
        check=True,
        env=env,
        timeout=300,
        capture_output=True,
    )
    # the dependencies: this environment's site-packages as a plain path (its .pth files, such as an
    # editable certlib's, are not processed)
    deps = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "polars").is_dir())
    (site / "zz_deps.pth").write_text(deps + "\n")
    python = venv / "bin" / "python"
    certlib = [str(python), "-c", "import sys; from certlib.cli import main; sys.argv[0] = 'certlib'; main()"]

    def run(*args: str) -> str:
        done = subprocess.run([*certlib, *args], cwd="/", env=env, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        return done.stdout + done.stderr

    where = subprocess.run(
        [str(python), "-c", "import certlib.config as c; print(c.package_data('rules'))"],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    assert where == str(site / "certlib" / "_data" / "rules")
    assert "0 error(s)" in run("rules", "check")
    ws = tmp_path / "demo"
    assert "audit chain ok=True" in run("demo", "init", "--workspace", str(ws))
    out = run(
        "validate",
        "--data",
        str(ws / "data" / "districts" / "1071"),
        "--scope",
        "district=1071",
        "--format",
        "csv",
        "-o",
        str(tmp_path / "report.csv"),
    )
    assert re.search(r"\d+ rules: \d+ passed", out) and (tmp_path / "report.csv").stat().st_size > 0
