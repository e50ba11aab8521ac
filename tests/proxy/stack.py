"""nginx from the shipped site config in front of gunicorn on a Unix socket, without root.

The site file is rendered, never copied: only its site-specific values (name, certificate,
socket, static folder, log folder, listen ports) are replaced, and each must be found.
nginx's main config (events, http, pid, temp paths) is generated around it.
"""

from __future__ import annotations

import getpass
import http.client
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from mediphant.store.local import free_port
from tests.live import ROOT

SITE = ROOT / "deploy" / "nginx" / "mediphant.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
# Debian's nginx ships its MIME types here (package nginx-common).
MIME_TYPES = Path("/etc/nginx/mime.types")


@dataclass(frozen=True)
class Proxy:
    """Where the rendered stack listens and logs."""

    directory: Path
    https_port: int
    http_port: int
    socket: Path

    @property
    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"

    @property
    def http_url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def main_config(self) -> Path:
        return self.directory / "nginx.conf"

    @property
    def access_log(self) -> Path:
        return self.directory / "logs" / "mediphant.access.log"

    @property
    def app_log(self) -> Path:
        return self.directory / "logs" / "gunicorn.log"


def nginx_available() -> bool:
    return Path(NGINX).exists() and MIME_TYPES.exists()


def make_certificate(directory: Path) -> tuple[Path, Path]:
    """A throw-away self-signed certificate for 127.0.0.1 and localhost, valid one day."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def render_site(proxy: Proxy, cert: Path, key: Path) -> str:
    """The shipped site with its placeholders replaced; a missing placeholder is an error."""
    logs = proxy.directory / "logs"
    replacements = [
        ("/etc/letsencrypt/live/mediphant.example.org/fullchain.pem", str(cert)),
        ("/etc/letsencrypt/live/mediphant.example.org/privkey.pem", str(key)),
        ("mediphant.example.org", "localhost"),
        ("/run/mediphant/gunicorn.sock", str(proxy.socket)),
        ("/srv/mediphant/static/", f"{ROOT / 'static'}/"),
        ("/var/log/nginx/", f"{logs}/"),
        ("listen 80;", f"listen 127.0.0.1:{proxy.http_port};"),
        ("listen 443 ssl", f"listen 127.0.0.1:{proxy.https_port} ssl"),
    ]
    text = SITE.read_text()
    for placeholder, value in replacements:
        if placeholder not in text:
            raise ValueError(f"{SITE.name} no longer contains the placeholder {placeholder!r}")
        text = text.replace(placeholder, value)
    return text


def main_config(proxy: Proxy, site: Path) -> str:
    """What /etc/nginx/nginx.conf gives the site on Debian, with every path in `directory`."""
    d = proxy.directory
    # Run as root (CI), nginx would hand its workers to `nobody`, who cannot reach the
    # test's private folders; run as anyone else, nginx keeps the user it was started as.
    user = f"user {getpass.getuser()};\n" if os.geteuid() == 0 else ""
    return f"""{user}worker_processes 1;
pid {d}/nginx.pid;
error_log {d}/logs/error.log warn;
events {{
    worker_connections 1024;
}}
http {{
    include {MIME_TYPES};
    default_type application/octet-stream;
    client_body_temp_path {d}/temp/body;
    proxy_temp_path {d}/temp/proxy;
    fastcgi_temp_path {d}/temp/fastcgi;
    uwsgi_temp_path {d}/temp/uwsgi;
    scgi_temp_path {d}/temp/scgi;
    access_log off;
    include {site};
}}
"""


def prepare(directory: Path) -> Proxy:
    """Render the site and the main config into `directory`; nothing is started."""
    (directory / "logs").mkdir(parents=True, exist_ok=True)
    (directory / "temp").mkdir(exist_ok=True)
    proxy = Proxy(directory, free_port(), free_port(), directory / "gunicorn.sock")
    cert, key = make_certificate(directory)
    site = directory / "mediphant.conf"
    site.write_text(render_site(proxy, cert, key))
    proxy.main_config.write_text(main_config(proxy, site))
    return proxy


def nginx_command(proxy: Proxy, *args: str) -> list[str]:
    return [NGINX, "-e", "stderr", "-p", str(proxy.directory), "-c", str(proxy.main_config), *args]


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def nginx(proxy: Proxy) -> Iterator[None]:
    """Run nginx in the foreground on the rendered config; stop it afterwards."""
    process = subprocess.Popen(
        nginx_command(proxy, "-g", "daemon off;"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while not (_listening(proxy.https_port) and _listening(proxy.http_port)):
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "")
            if time.monotonic() > deadline:
                raise RuntimeError("nginx did not start")
            time.sleep(0.05)
        yield
    finally:
        process.send_signal(signal.SIGQUIT)  # graceful: finish what is in flight
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def insecure_tls() -> ssl.SSLContext:
    """A client context that accepts the throw-away certificate (tests only)."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass(frozen=True)
class Answer:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]


def fetch(
    proxy: Proxy,
    path: str,
    method: str = "GET",
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
    source: str = "127.0.0.1",
    timeout: float = 10,
) -> Answer:
    """One HTTPS request through nginx from the loopback address `source`."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1",
        proxy.https_port,
        timeout=timeout,
        source_address=(source, 0),
        context=insecure_tls(),
    )
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Answer(response.status, response.getheaders(), response.read())
    finally:
        connection.close()


def wait_for_line(path: Path, text: str, timeout: float = 5) -> str:
    """The first line of a log that contains `text`; logs are written just after answering."""
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in path.read_text().splitlines() if text in line]
        if lines or time.monotonic() > deadline:
            assert lines, f"{text!r} not in {path.name}"
            return lines[0]
        time.sleep(0.05)
