"""A small client of the Prometheus HTTP API (instant and range queries), on urllib only.

Reports and tuning read live data through it. Every failure becomes a PrometheusError
whose message says what went wrong in words (unreachable, timed out, rejected query,
not a Prometheus), so the CLI can print it as a diagnostic instead of a traceback.
"""

from __future__ import annotations

import http.client
import json
import math
import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

# Prometheus refuses range queries with more points per series than this.
MAX_POINTS = 11_000
# The largest answer read: a week of a few hundred series at 11,000 points is far below it.
MAX_BODY = 256 * 1024 * 1024


class PrometheusError(Exception):
    """Prometheus could not answer; the message is meant for the user."""


class Unreachable(PrometheusError):
    """No answer at all: connection refused, unknown host, timeout."""


class QueryError(PrometheusError):
    """Prometheus answered but rejected or failed the query."""


@dataclass(frozen=True, slots=True)
class Series:
    """One series of a result: its labels (without __name__) and (unix time, value) points."""

    labels: tuple[tuple[str, str], ...]
    points: tuple[tuple[float, float], ...]

    def label(self, name: str) -> str | None:
        return dict(self.labels).get(name)

    def display(self) -> str:
        """A short legend: the label values, or the empty string for a single unlabelled series."""
        return ", ".join(f"{key}={value}" for key, value in self.labels)


def _series(item: dict[str, Any], points: list[list[Any]]) -> Series:
    labels = tuple(sorted((str(k), str(v)) for k, v in item.get("metric", {}).items() if k != "__name__"))
    parsed = []
    for stamp, text in points:
        value, at = float(text), float(stamp)
        # NaN (0/0 without traffic) is no measurement, and neither is +Inf or -Inf (a quantile past
        # the last bucket, a division by zero): no percentile, threshold or chart can use them.
        if math.isfinite(value) and math.isfinite(at):
            parsed.append((at, value))
    return Series(labels, tuple(parsed))


def parse_result(data: Any) -> list[Series]:
    """Series of any result type: vector, matrix or scalar; an answer of another shape is a PrometheusError."""
    try:
        return _parse_result(data)
    except (AttributeError, KeyError, TypeError, ValueError, IndexError):
        raise PrometheusError("Prometheus answered a query result monplan cannot read") from None


def _parse_result(data: Any) -> list[Series]:
    kind, result = data.get("resultType"), data.get("result")
    if kind == "matrix":
        return [_series(item, item.get("values", [])) for item in result]
    if kind == "vector":
        return [_series(item, [item["value"]]) for item in result]
    if kind == "scalar":
        return [_series({}, [result])]
    raise QueryError(f"unexpected result type {kind!r}")


class Prometheus:
    """Queries one Prometheus server; `timeout` is per request, in seconds."""

    def __init__(self, url: str, timeout: float = 30.0) -> None:
        try:
            parsed = urllib.parse.urlsplit(url)
            parsed.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            raise PrometheusError(f'"{_shown(url)}" is not a Prometheus URL; expected http://host:port or '
                                  "https://host:port") from None
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise PrometheusError(f'"{_shown(url)}" is not a Prometheus URL; expected http://host:port or https://host:port')
        from monplan.spec.secrets import what_secret

        if "@" in parsed.netloc or what_secret(url):
            # Credentials would be printed in errors and sent wherever a redirect leads.
            raise PrometheusError(f'"{_shown(url)}": expected a URL without user information or credentials '
                                  "(monplan sends none to Prometheus; a URL's would show in shell history, process "
                                  "lists and error messages)")
        # The API paths go after the server's own path; its query (a proxy's routing, say) is kept
        # apart and sent with every request; a fragment is never sent.
        self.url = urllib.parse.urlunsplit((parsed.scheme, parsed.netloc, parsed.path.rstrip("/"), "", ""))
        self.url_query = parsed.query
        self.timeout = timeout

    def query(self, expr: str, at: float) -> list[Series]:
        """An instant query evaluated at unix time `at`."""
        return parse_result(self._call("/api/v1/query", {"query": expr, "time": _stamp(at)}))

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        """A range query: `expr` evaluated at start, start+step, ..., up to end."""
        if (end - start) / step + 1 > MAX_POINTS:
            raise QueryError(f"{(end - start) / step + 1:.0f} points per series exceed Prometheus' limit of {MAX_POINTS}; use a larger step")
        params = {"query": expr, "start": _stamp(start), "end": _stamp(end), "step": _stamp(step)}
        return parse_result(self._call("/api/v1/query_range", params))

    def label_names(self, selector: str, start: float, end: float) -> list[str]:
        """The label names of the series `selector` matches between start and end."""
        data = self._call("/api/v1/labels", {"match[]": selector, "start": _stamp(start), "end": _stamp(end)})
        if not isinstance(data, list) or not all(isinstance(name, str) for name in data):
            raise PrometheusError(f"{self.url}/api/v1/labels answered something that is not a list of label names")
        return data

    def metadata(self, metric: str) -> list[str]:
        """The types (counter, gauge, histogram, ...) the scraped targets give `metric`; empty when none says."""
        data = self._call("/api/v1/metadata", {"metric": metric}, method="GET")
        if not isinstance(data, dict):
            raise PrometheusError(f"{self.url}/api/v1/metadata answered something that is not metadata")
        entries = data.get(metric, [])
        return sorted({entry.get("type", "") for entry in entries if isinstance(entry, dict)} - {""}) \
            if isinstance(entries, list) else []

    def _call(self, path: str, params: dict[str, str], method: str = "POST") -> Any:
        # POST keeps long PromQL out of the URL; the query endpoints accept form-encoded bodies.
        encoded = urllib.parse.urlencode(params)
        if method == "GET":
            request = urllib.request.Request(f"{self.url}{path}?{'&'.join(filter(None, (self.url_query, encoded)))}",
                                             method="GET", headers={"Accept": "application/json"})
        else:
            target = f"{self.url}{path}?{self.url_query}" if self.url_query else self.url + path
            request = urllib.request.Request(target, data=encoded.encode(), method="POST", headers={
                "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"})
        deadline = time.monotonic() + self.timeout
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return _payload(self.url, path, _read(response, deadline))
        except urllib.error.HTTPError as err:
            # 400 and 422 carry Prometheus' own JSON error ("parse error", "query timed out", ...).
            if err.code in (400, 422, 503):
                return _payload(self.url, path, _read(err, deadline), status=err.code, query=params.get("query"))
            raise PrometheusError(f"{self.url} answered HTTP {err.code} to {path}; is it a Prometheus server?") from None
        except TimeoutError:
            raise Unreachable(f"Prometheus at {self.url} did not answer within {self.timeout:g}s") from None
        except http.client.IncompleteRead:
            raise PrometheusError(f"{self.url}{path} broke off its answer before the end; try again") from None
        except http.client.HTTPException as err:
            raise PrometheusError(f"{self.url}{path} did not answer HTTP ({type(err).__name__}); "
                                  "is it a Prometheus server?") from None
        except urllib.error.URLError as err:
            reason = err.reason if not isinstance(err.reason, socket.timeout) else f"no answer within {self.timeout:g}s"
            raise Unreachable(f"cannot reach Prometheus at {self.url}: {reason}") from None
        except (ConnectionError, OSError) as err:
            raise Unreachable(f"cannot reach Prometheus at {self.url}: {err}") from None


def _shown(url: str) -> str:
    """The URL as messages may show it: without user information, query and fragment."""
    scheme, _, rest = url.partition("://")
    if not _:
        return url.split("?", 1)[0].split("#", 1)[0][:200]
    host, slash, path = rest.partition("/")
    host = host.rsplit("@", 1)[-1]
    return f"{scheme}://{host}{slash}{path}".split("?", 1)[0].split("#", 1)[0][:200]


def _read(response: Any, deadline: float) -> bytes:
    """The whole body, within the request's overall deadline and size limit: the socket timeout
    alone restarts with every byte, so a server trickling a byte a second would never end."""
    chunks: list[bytes] = []
    size = 0
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
        if sock is not None:
            sock.settimeout(max(left, 0.001))
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > MAX_BODY:
            raise PrometheusError(f"the answer is larger than {MAX_BODY // (1024 * 1024)} MiB; "
                                  "ask for a shorter period (--since) or check the query")
        chunks.append(chunk)


def _payload(url: str, path: str, raw: bytes, *, status: int = 200, query: str | None = None) -> Any:
    try:
        payload = json.loads(raw)
    except ValueError:
        raise PrometheusError(f"{url}{path} did not answer JSON; is it a Prometheus server?") from None
    if not isinstance(payload, dict) or "status" not in payload:
        raise PrometheusError(f"{url}{path} answered JSON that is not a Prometheus API response")
    if payload["status"] != "success":
        what = f" for {' '.join(query.split())!r}" if query else ""
        raise QueryError(f"Prometheus rejected the query{what}: {payload.get('error', f'HTTP {status}')}")
    return payload["data"]


def _stamp(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")
