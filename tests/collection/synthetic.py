"""A synthetic exporter for the end-to-end tests: one HTTP server per scrape job of the plan,
each serving what the real source would (application metrics, node_exporter,
postgres_exporter queries, mtail counters, blackbox probes), with values the test sets.

Counters are given as a rate per second and grow with the clock, as real ones do; gauges
are set; a series can be absent until the test creates it (as mtail's labelled counters are).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

Labels = tuple[tuple[str, str], ...]


@dataclass
class Counter:
    rate: float  # per second
    value: float = 0.0
    since: float = field(default_factory=time.monotonic)

    def now(self) -> float:
        return self.value + self.rate * (time.monotonic() - self.since)

    def set_rate(self, rate: float) -> None:
        self.value, self.since, self.rate = self.now(), time.monotonic(), rate


class Source:
    """The series of one job: counters and gauges by (name, labels)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.counters: dict[tuple[str, Labels], Counter] = {}
        self.gauges: dict[tuple[str, Labels], float] = {}

    def counter(self, name: str, rate: float = 0.0, value: float = 0.0, **labels: str) -> None:
        with self.lock:
            key = (name, tuple(sorted(labels.items())))
            if key in self.counters:
                self.counters[key].set_rate(rate)
                self.counters[key].value += value
            else:
                self.counters[key] = Counter(rate, value)

    def gauge(self, name: str, value: float, **labels: str) -> None:
        with self.lock:
            self.gauges[(name, tuple(sorted(labels.items())))] = value

    def histogram(self, name: str, rates: dict[str, float]) -> None:
        """Bucket counters (cumulative, by `le`) growing at the given rates; _count follows +Inf."""
        for le, rate in rates.items():
            self.counter(f"{name}_bucket", rate, le=le)
        self.counter(f"{name}_count", rates["+Inf"])
        self.counter(f"{name}_sum", rates["+Inf"] * 0.1)

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        with self.lock:
            counters = {key: c.now() for key, c in self.counters.items()}
            gauges = dict(self.gauges)
        for (name, labels), value in counters.items():
            # Exposed untyped-as-gauge so that names keep their _total/_bucket suffixes as written.
            family = GaugeMetricFamily(name, name, labels=[k for k, _ in labels])
            family.add_metric([v for _, v in labels], value)
            yield family
        for (name, labels), value in gauges.items():
            family = GaugeMetricFamily(name, name, labels=[k for k, _ in labels])
            family.add_metric([v for _, v in labels], value)
            yield family


class Probes:
    """blackbox_exporter's /probe: probe_success per module and target."""

    def __init__(self) -> None:
        self.failing: set[str] = set()  # modules whose probes fail
        self.seen: list[tuple[str, str]] = []  # (module, target) of every probe asked for

    def render(self, module: str, target: str) -> bytes:
        self.seen.append((module, target))
        success = 0 if module in self.failing else 1
        return (f"# TYPE probe_success gauge\nprobe_success {success}\n"
                f"# TYPE probe_duration_seconds gauge\nprobe_duration_seconds 0.05\n").encode()


class _Registry(CollectorRegistry):
    def __init__(self, source: Source):
        super().__init__(auto_describe=False)
        self.source = source

    def collect(self):  # type: ignore[override]
        yield from self.source.collect()


def serve(source: Source | None = None, probes: Probes | None = None) -> ThreadingHTTPServer:
    """An HTTP server on a free 127.0.0.1 port serving /metrics (and /probe); runs in a thread."""
    registry = _Registry(source) if source else None

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            url = urlsplit(self.path)
            if url.path == "/metrics" and registry is not None:
                body = generate_latest(registry)
            elif url.path == "/probe" and probes is not None:
                query = parse_qs(url.query)
                body = probes.render(query.get("module", [""])[0], query.get("target", [""])[0])
            else:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; version=0.0.4")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def address(server: ThreadingHTTPServer) -> str:
    return f"127.0.0.1:{server.server_address[1]}"
