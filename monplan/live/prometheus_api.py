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
# The largest answer read, in MiB, unless MONPLAN_MAX_ANSWER_MIB says otherwise: a week at one
# point a minute is about 250 KiB per series, so 64 MiB holds a row of some 250 series. Parsed,
# an answer takes several times its size in memory: the cap is what bounds it.
MAX_ANSWER_MIB = 64
MAX_ANSWER_VARIABLE = "MONPLAN_MAX_ANSWER_MIB"
# The most series one answer may hold: a row (or the plan's ALERTS) with more is no report's.
MAX_SERIES = 20_000
# Redirects followed within the server's own scheme, host and port (a proxy adding a slash).
MAX_REDIRECTS = 5


class PrometheusError(Exception):
    """Prometheus could not answer; the message is meant for the user."""


class Unreachable(PrometheusError):
    """No answer at all: connection refused, unknown host, timeout."""


class QueryError(PrometheusError):
    """Prometheus answered but rejected or failed the query."""


class BadSetting(PrometheusError):
    """A setting of the client (an environment variable) is wrong; `where` names it."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__(message)
        self.where = where


def answer_limit() -> int:
    """The largest answer read, in bytes: MONPLAN_MAX_ANSWER_MIB (whole MiB), else 64 MiB."""
    import os

    text = os.environ.get(MAX_ANSWER_VARIABLE, "").strip()
    if not text:
        return MAX_ANSWER_MIB * 1024 * 1024
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 65536:
        raise BadSetting(MAX_ANSWER_VARIABLE, f"{MAX_ANSWER_VARIABLE} is {text[:20]!r}; expected a whole number of "
                         f"MiB from 1 to 65536 (the largest Prometheus answer read; default {MAX_ANSWER_MIB})")
    return int(text) * 1024 * 1024


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


_TOLERANCE = 0.0005  # timestamps travel with millisecond precision


def _within(series: Series, start: float, end: float, step: float | None) -> Series:
    """The series' points at times in [start, end] (on the grid start + k * step, when given),
    in time order, one per time."""
    kept: dict[float, tuple[float, float]] = {}
    for point in series.points:
        at = point[0]
        if not start - _TOLERANCE <= at <= end + _TOLERANCE:
            continue
        if step is not None:
            steps = (at - start) / step
            if abs(steps - round(steps)) * step > _TOLERANCE:
                continue
        kept.setdefault(round(at, 3), point)
    if len(kept) == len(series.points) and all(a[0] < b[0] for a, b in zip(series.points, series.points[1:], strict=False)):
        return series
    return Series(series.labels, tuple(kept[at] for at in sorted(kept)))


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
        self.limit = answer_limit()

    def query(self, expr: str, at: float) -> list[Series]:
        """An instant query evaluated at unix time `at`: no point after `at` (a range selector's
        samples come before it; a server's later ones are not of this query)."""
        found = parse_result(self._call("/api/v1/query", {"query": expr, "time": _stamp(at)}))
        return [_within(series, -math.inf, at, None) for series in found]

    def query_range(self, expr: str, start: float, end: float, step: float) -> list[Series]:
        """A range query: `expr` evaluated at start, start+step, ..., up to end. Only those
        evaluations come back: a point outside [start, end] or off the step grid is not one (a
        server or proxy answering more would have it counted in the period), and each time once."""
        if (end - start) / step + 1 > MAX_POINTS:
            raise QueryError(f"{(end - start) / step + 1:.0f} points per series exceed Prometheus' limit of {MAX_POINTS}; use a larger step")
        params = {"query": expr, "start": _stamp(start), "end": _stamp(end), "step": _stamp(step)}
        found = parse_result(self._call("/api/v1/query_range", params))
        return [_within(series, start, end, step) for series in found]

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
            target = f"{self.url}{path}?{'&'.join(filter(None, (self.url_query, encoded)))}"
            body = None
        else:
            target = f"{self.url}{path}?{self.url_query}" if self.url_query else self.url + path
            body = encoded.encode()
        deadline = time.monotonic() + self.timeout
        try:
            for _ in range(MAX_REDIRECTS + 1):
                try:
                    return self._answer(path, target, body, method, deadline, params)
                except urllib.error.HTTPError as err:
                    if err.code not in (301, 302, 303, 307, 308):
                        raise
                    target = self._redirected(path, target, err)
            raise PrometheusError(f"{self.url}{path} redirected more than {MAX_REDIRECTS} times; "
                                  "give the final URL as --prometheus")
        except urllib.error.HTTPError as err:
            err.close()
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

    def _answer(self, path: str, target: str, body: bytes | None, method: str, deadline: float,
                params: dict[str, str]) -> Any:
        """One request; a redirect is an HTTPError with its 3xx code, for `_call` to judge."""
        headers = {"Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        request = urllib.request.Request(target, data=body, method=method, headers=headers)
        left = max(0.001, min(self.timeout, deadline - time.monotonic()))
        try:
            with _opener().open(request, timeout=left) as response:
                return _payload(self.url, path, _read(response, deadline, self.url + path, self.limit))
        except urllib.error.HTTPError as err:
            # 400 and 422 carry Prometheus' own JSON error ("parse error", "query timed out", ...).
            if err.code in (400, 422, 503):
                with err:
                    return _payload(self.url, path, _read(err, deadline, self.url + path, self.limit),
                                    status=err.code, query=params.get("query"))
            raise

    def _redirected(self, path: str, current: str, err: urllib.error.HTTPError) -> str:
        """Where a redirect leads, if it stays at the server's scheme, host and port: monplan sends
        queries (and a proxy's routing query) to the server it was given, nowhere else."""
        location = err.headers.get("Location", "") if err.headers is not None else ""
        err.close()
        if not location:
            raise PrometheusError(f"{self.url} answered HTTP {err.code} to {path} without saying where to; "
                                  "is it a Prometheus server?")
        try:
            target = urllib.parse.urljoin(current, location.strip())
            parsed = urllib.parse.urlsplit(target)
            origin = _origin(parsed)
        except ValueError:
            origin = None
        if origin is None or origin != _origin(urllib.parse.urlsplit(self.url)) or "@" in parsed.netloc:
            elsewhere = _shown_origin(location)
            raise PrometheusError(f"{self.url}{path} redirected to another server ({elsewhere}); monplan follows "
                                  "redirects only within the same scheme, host and port: give the URL it should "
                                  "query as --prometheus")
        return urllib.parse.urlunsplit(parsed._replace(fragment=""))


_OPENER: Any = None


def _opener() -> Any:
    """urllib's opener without its redirect handling: `Prometheus._call` decides on redirects itself
    (urllib follows them to any host, and reads a redirect's body whatever its size)."""
    global _OPENER
    if _OPENER is None:
        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                return None  # the HTTPError of the 3xx answer goes to the caller, its body unread

        _OPENER = urllib.request.build_opener(NoRedirect)
    return _OPENER


def _origin(parsed: urllib.parse.SplitResult) -> tuple[str, str, int] | None:
    if parsed.scheme not in ("http", "https") or not parsed.hostname:
        return None
    return parsed.scheme, parsed.hostname.lower(), parsed.port or (443 if parsed.scheme == "https" else 80)


def _shown_origin(location: str) -> str:
    """Scheme, host and port of a redirect target as messages may show them (no user information,
    path or query: they may hold tokens), printable ASCII only."""
    try:
        parsed = urllib.parse.urlsplit(location.strip())
        host = parsed.hostname or ""
        port = f":{parsed.port}" if parsed.port else ""
    except ValueError:
        return "an address monplan cannot read"
    shown = f"{parsed.scheme}://{host}{port}" if parsed.scheme else f"{host}{port}"
    shown = "".join(c for c in shown if c.isascii() and c.isprintable())[:120]
    return shown or "an address monplan cannot read"


def _shown(url: str) -> str:
    """The URL as messages may show it: without user information, query and fragment."""
    scheme, _, rest = url.partition("://")
    if not _:
        return url.split("?", 1)[0].split("#", 1)[0][:200]
    host, slash, path = rest.partition("/")
    host = host.rsplit("@", 1)[-1]
    return f"{scheme}://{host}{slash}{path}".split("?", 1)[0].split("#", 1)[0][:200]


def _read(response: Any, deadline: float, where: str, limit: int) -> bytes:
    """The whole body, within the request's overall deadline and `limit` bytes: the socket timeout
    alone restarts with every byte, so a server trickling a byte a second would never end, and
    an answer of any size would be held (and parsed) whole. `where` names it in messages."""
    declared = response.headers.get("Content-Length") if getattr(response, "headers", None) is not None else None
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise _too_large(where, limit, f"it says {int(declared) / (1024 * 1024):.0f} MiB")
    body = bytearray()
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise TimeoutError
        sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
        if sock is not None:
            sock.settimeout(max(left, 0.001))
        chunk = response.read1(65536) if hasattr(response, "read1") else response.read(65536)
        if not chunk:
            return bytes(body)
        if len(body) + len(chunk) > limit:
            raise _too_large(where, limit, "monplan stopped reading there")
        body += chunk


def _too_large(where: str, limit: int, detail: str) -> PrometheusError:
    return PrometheusError(f"{where}: the answer is larger than {limit // (1024 * 1024)} MiB ({detail}), the most "
                           f"monplan reads; ask for a shorter period (--since, --period), check that the query selects "
                           f"what it should, or raise the limit with {MAX_ANSWER_VARIABLE}")


class _TooManyObjects(Exception):
    pass


def _payload(url: str, path: str, raw: bytes, *, status: int = 200, query: str | None = None) -> Any:
    # Objects are counted as they are read: an answer of a million tiny series stops early,
    # not after taking gigabytes (two objects a series: the series and its labels).
    objects = 0

    def counted(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        nonlocal objects
        objects += 1
        if objects > 2 * MAX_SERIES + 16:
            raise _TooManyObjects
        return dict(pairs)

    # Arrays cannot be counted as they are read; a point ("[1764000000,"1"]," is the shortest
    # real one) takes 16 bytes or more, so more arrays than that is no Prometheus answer.
    if raw.count(b"[") > len(raw) // 16 + 16:
        raise PrometheusError(f"{url}{path} answered more arrays than any Prometheus result holds; "
                              "is it a Prometheus server?")
    too_many = PrometheusError(f"{url}{path} answered more than {MAX_SERIES} series for one query, more than a "
                               "report or tuning run reads; check that the query selects what it should "
                               "(aggregate it with sum by, max by, ...)")
    try:
        payload = json.loads(raw, object_pairs_hook=counted)
    except _TooManyObjects:
        raise too_many from None
    except RecursionError:
        raise PrometheusError(f"{url}{path} answered JSON nested deeper than any Prometheus answer; "
                              "is it a Prometheus server?") from None
    except ValueError:
        raise PrometheusError(f"{url}{path} did not answer JSON; is it a Prometheus server?") from None
    if not isinstance(payload, dict) or "status" not in payload:
        raise PrometheusError(f"{url}{path} answered JSON that is not a Prometheus API response")
    if payload["status"] != "success":
        what = f" for {' '.join(query.split())!r}" if query else ""
        raise QueryError(f"Prometheus rejected the query{what}: {payload.get('error', f'HTTP {status}')}")
    if "data" not in payload:
        raise PrometheusError(f"{url}{path} answered JSON that is not a Prometheus API response")
    data = payload["data"]
    if isinstance(data, dict) and isinstance(data.get("result"), list) and len(data["result"]) > MAX_SERIES:
        raise too_many
    return data


def _stamp(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")
