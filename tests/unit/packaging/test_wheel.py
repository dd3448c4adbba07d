"""predmm installs exactly one top-level package, ``predmm``, and works from a plain
(non-editable) install: the wheel is built from a copy of the tree, installed into a fresh
venv, and run from there."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import tomllib
import venv
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[3]
FOLDERS = ("domain", "strategies", "config", "actors", "supervisors", "platforms")
FOLDERS += ("simulator", "cli", "backtest")
PIP = (sys.executable, "-m", "pip")
SKIP = shutil.ignore_patterns(
    ".git", ".venv", ".ci-venv", "build", "*.egg-info", "__pycache__", ".*_cache", "*.sqlite3*"
)


def _tree_packages() -> set[str]:
    found = {"predmm"}
    for folder in FOLDERS:
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT).as_posix().replace("/", ".")
            found.add(f"predmm.{rel}")
    return found


def test_the_package_list_is_the_tree() -> None:
    # pyproject lists the packages (the folders are mapped, so find cannot): a new
    # subpackage left out of the list would be missing from every install
    setuptools = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert set(setuptools["packages"]) == _tree_packages()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("src") / "predmm"
    shutil.copytree(ROOT, src, ignore=SKIP, symlinks=True)
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [*PIP, "wheel", str(src), "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out)],
        check=True,
        capture_output=True,
    )
    (built,) = out.glob("predmm-*.whl")
    return built


def test_the_wheel_holds_one_top_level_package(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        record = next(n for n in zf.namelist() if n.endswith(".dist-info/RECORD"))
        paths = [line.split(",")[0] for line in zf.read(record).decode().splitlines()]
    tops = {p.split("/")[0] for p in paths if p}
    assert {t for t in tops if not t.endswith(".dist-info")} == {"predmm"}
    assert "predmm/config/presets/conservative.toml" in paths
    assert "predmm/actors/market/actor.py" in paths


def test_a_plain_install_runs(wheel: Path, tmp_path: Path) -> None:
    # a fresh venv holding only the wheel; its dependencies come from this interpreter's
    # site-packages as a plain path entry (no .pth there runs, so no editable finder)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    site = Path(
        subprocess.check_output(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], text=True
        ).strip()
    )
    (site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [*PIP, "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    work = tmp_path / "work"  # not the repository: nothing may come from the checkout
    work.mkdir()

    def run(*args: str | Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(a) for a in args],
            cwd=work,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    probe = run(
        python, "-c", "import predmm.strategies.market_making, predmm; print(predmm.__file__)"
    )
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip().startswith(str(site)), probe.stdout
    for bare in ("config", "cli", "domain", "actors"):
        assert run(python, "-c", f"import {bare}").returncode != 0, bare
    version = run(env_dir / "bin" / "predmm", "--version")
    assert version.returncode == 0, version.stderr
    assert "0.1.0" in version.stdout
    daemon = run(env_dir / "bin" / "predmm", "run", "--duration", "5", "--no-view", timeout=120)
    assert daemon.returncode == 0, daemon.stdout + daemon.stderr
    assert len(list(work.glob("predmm-sim/*/predmm.sqlite3"))) == 1  # the embedded run's
