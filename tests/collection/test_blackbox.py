"""The generated blackbox modules under the real blackbox_exporter: the config check passes,
and real probes against a local HTTPS server succeed or fail as the plan says (TLS with a
verified certificate, expected status, expected body)."""

from __future__ import annotations

import http.server
import ssl
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlencode

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from .conftest import Process, build_files, free_port, http_get, plan_data, wait_until, write_plan


def test_the_generated_modules_pass_the_exporters_own_check(blackbox_bin: str, tmp_path: Path) -> None:
    from conftest import ROOT

    config = tmp_path / "blackbox.yml"
    config.write_bytes(build_files(ROOT / "plan.yaml")["exporters/blackbox/blackbox.yml"])
    proc = subprocess.run([blackbox_bin, "--config.check", f"--config.file={config}"], capture_output=True,
                          text=True, timeout=60, check=False)
    assert proc.returncode == 0, proc.stderr
    modules = yaml.safe_load(config.read_text())["modules"]
    assert modules["http_2xx_api"]["timeout"] == "5s"
    assert modules["http_2xx_api"]["http"]["fail_if_not_ssl"] is True
    assert modules["http_2xx_health_database"]["http"]["valid_status_codes"] == [200]


class _Handler(http.server.BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, bytes]]] = {}

    def do_GET(self) -> None:
        status, body = self.routes.get(self.path, (404, b"not found"))
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A local HTTPS server with a self-signed certificate; yields its base URL and the CA file."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True, timeout=60)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}", cert
    server.shutdown()
    server.server_close()


@pytest.fixture
def probe(blackbox_bin: str, https_server: tuple[str, Path], tmp_path: Path,
          processes: Callable[..., Process]) -> Callable[[str, str], float]:
    """Run the plan's modules (with the test server's CA) in a real blackbox_exporter; probe(module, url)."""
    base, ca = https_server
    data = plan_data()
    for item in data["collection"]["blackbox"]["probes"]:
        item["ca_file"] = str(ca)
        item["urls"] = [f"{base}/"]
    config = tmp_path / "blackbox.yml"
    config.write_bytes(build_files(write_plan(tmp_path, data))["exporters/blackbox/blackbox.yml"])
    port = free_port()
    process = processes([blackbox_bin, f"--config.file={config}", f"--web.listen-address=127.0.0.1:{port}"],
                        tmp_path / "blackbox.log")
    wait_until(lambda: http_get(f"http://127.0.0.1:{port}/metrics"), 20, f"blackbox_exporter\n{process.output()}")

    def run(module: str, url: str) -> float:
        text = http_get(f"http://127.0.0.1:{port}/probe?{urlencode({'module': module, 'target': url})}", 20).decode()
        for family in text_string_to_metric_families(text):
            if family.name == "probe_success":
                return family.samples[0].value
        raise AssertionError(f"no probe_success in {text}")

    return run


def test_the_health_check_succeeds_only_on_200_with_the_database_ok(
        probe: Callable[[str, str], float], https_server: tuple[str, Path]) -> None:
    base, _ = https_server
    _Handler.routes = {
        "/ok": (200, b'{"status": "ok", "database": "ok"}'),
        "/db-down": (200, b'{"status": "degraded", "database": "unreachable"}'),
        "/created": (201, b'{"database": "ok"}'),
        "/error": (500, b'{"database": "ok"}'),
    }
    assert probe("http_2xx_health_database", f"{base}/ok") == 1
    assert probe("http_2xx_health_database", f"{base}/db-down") == 0
    assert probe("http_2xx_health_database", f"{base}/created") == 0  # the plan expects exactly 200
    assert probe("http_2xx_health_database", f"{base}/error") == 0


def test_the_api_check_requires_tls_with_a_certificate_that_verifies(
        probe: Callable[[str, str], float], https_server: tuple[str, Path], tmp_path: Path) -> None:
    base, _ = https_server
    _Handler.routes = {"/api/v1/status": (204, b""), "/api/v1/broken": (503, b"")}
    assert probe("http_2xx_api", f"{base}/api/v1/status") == 1  # any 2xx
    assert probe("http_2xx_api", f"{base}/api/v1/broken") == 0
    # By name the certificate (issued for localhost and 127.0.0.1) verifies; a plain-HTTP
    # server fails the module, which requires TLS.
    plain = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    threading.Thread(target=plain.serve_forever, daemon=True).start()
    try:
        assert probe("http_2xx_api", f"http://127.0.0.1:{plain.server_address[1]}/api/v1/status") == 0
    finally:
        plain.shutdown()
        plain.server_close()
