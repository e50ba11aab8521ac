"""Fetch limits' own strategy tests from the sdist of the installed version, once.

The file is read from `.cache/` (git-ignored) and never committed: the suite runs the
library's tests as its maintainer wrote them, against our storage.
"""

from __future__ import annotations

import importlib
import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".cache" / "limits-sdist"
MEMBER = "tests/test_strategy.py"


def _sdist(release: str) -> Path:
    """The sdist of `limits==release`, downloaded with pip when it is not cached yet."""
    found = sorted(CACHE.glob(f"limits-{release}.tar.gz"))
    if found:
        return found[0]
    command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
    command += ["--no-binary", ":all:", f"limits=={release}", "-d", str(CACHE)]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    found = sorted(CACHE.glob(f"limits-{release}.tar.gz"))
    if done.returncode != 0 or not found:
        raise RuntimeError(
            f"could not download the limits {release} sdist into {CACHE.relative_to(ROOT)}: "
            f"{done.stderr.strip() or done.stdout.strip()}"
        )
    return found[0]


def strategy_tests_path() -> Path:
    """tests/test_strategy.py of the installed limits, extracted next to its sdist."""
    release = version("limits")
    target = CACHE / f"limits-{release}" / MEMBER
    if not target.exists():
        with tarfile.open(_sdist(release)) as archive:
            source = archive.extractfile(f"limits-{release}/{MEMBER}")
            if source is None:
                raise RuntimeError(f"limits {release} sdist has no {MEMBER}")
            text = source.read()
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")
        partial.write_bytes(text)
        partial.replace(target)
    return target


def strategy_tests(helpers: ModuleType) -> ModuleType:
    """Import the upstream module, its `tests.utils` imports answered by `helpers`.

    Imported through sys.path, so pytest rewrites its asserts as in any test module.
    """
    path = strategy_tests_path()
    sys.modules["tests.utils"] = helpers
    sys.path.insert(0, str(path.parent))
    try:
        return importlib.import_module(path.stem)
    finally:
        sys.path.remove(str(path.parent))
