"""The shipped nginx site, rendered: nginx accepts it, and its limits agree with the app's
and gunicorn's."""

from __future__ import annotations

import re
import runpy
import subprocess

import pytest

from mediphant import create_app
from tests.live import ROOT
from tests.proxy.stack import Proxy, nginx_command

pytestmark = pytest.mark.proxy


def _directive(config: str, name: str) -> list[str]:
    return re.findall(rf"^\s*{name}\s+([^;]+);", config, flags=re.MULTILINE)


def _seconds(value: str) -> int:
    match = re.fullmatch(r"(\d+)s?", value.strip())
    assert match, value
    return int(match.group(1))


def test_nginx_accepts_the_rendered_site(rendered: Proxy) -> None:
    result = subprocess.run(nginx_command(rendered, "-t"), capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "test is successful" in result.stderr


def test_body_limit_matches_the_app(rendered: Proxy) -> None:
    site = (rendered.directory / "mediphant.conf").read_text()
    app = create_app({"env": "testing", "secret_key": "config-test-secret-0123"})
    (limit,) = _directive(site, "client_max_body_size")
    assert limit == "64k"
    assert 64 * 1024 == app.config["MAX_CONTENT_LENGTH"]
    # Bodies are read whole before gunicorn sees them, and never spill to a temp file.
    assert _directive(site, "proxy_request_buffering") == ["on"]
    assert _directive(site, "client_body_buffer_size") == ["64k"]


def test_time_outs_agree_with_gunicorn(rendered: Proxy, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUNICORN_TIMEOUT", raising=False)
    gunicorn = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    site = (rendered.directory / "mediphant.conf").read_text()
    # nginx waits longer than gunicorn lets a worker run, so gunicorn's limit acts first.
    for name in ("proxy_read_timeout", "proxy_send_timeout"):
        (value,) = _directive(site, name)
        assert gunicorn["timeout"] < _seconds(value) <= gunicorn["timeout"] + 10, name
    # No idle connections to gunicorn (see the upstream block): none to outlive its keepalive.
    assert _directive(site, "keepalive") == []


def test_the_systemd_unit_binds_gunicorn_where_the_site_connects() -> None:
    shipped = (ROOT / "deploy" / "nginx" / "mediphant.conf").read_text()
    (upstream,) = re.findall(r"^\s*server (unix:\S+?)[ ;]", shipped, flags=re.MULTILINE)
    unit = (ROOT / "deploy" / "systemd" / "mediphant.service").read_text()
    assert f"Environment=GUNICORN_BIND={upstream}" in unit.splitlines()
    # systemd makes the socket's folder (/run/<RuntimeDirectory>) for the service's user.
    (runtime,) = re.findall(r"^RuntimeDirectory=(\S+)$", unit, flags=re.MULTILINE)
    assert upstream.removeprefix("unix:").rsplit("/", 1)[0] == f"/run/{runtime}"
