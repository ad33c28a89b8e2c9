"""Secrets never go in the plan: every value and key, however YAML wrote it, is scanned.

A plan is committed, reviewed in pull requests and copied into generated files that ship
through GitOps, so a credential in it leaks. The scanner reads each value as the loader
produced it (escapes, block and folded scalars already decoded), `!!binary` values decoded,
invisible format characters removed and percent-escapes decoded, so that `xo\\u200bxb-...`,
`%74oken=` or a base64 body hide nothing. It looks for:

- credentials in URLs: any user info (`https://TOKEN@host`, `https://user:pass@host`), and
  query parameters or fragments whose name says they carry one (`?token=`, `#access_token=`,
  `&X-Amz-Signature=`, `?code=`, `?client_secret=`, ...);
- well-known token shapes: AWS access and secret keys, Google API keys, GitHub, GitLab, Slack,
  Stripe, SendGrid, npm and OpenAI tokens, JSON Web Tokens, private key blocks, bearer and
  basic authorisation values, chat webhook URLs, `password=` settings;
- keys of free-form mappings (labels, annotations, a service's vars) named like a secret
  (`password`, `secret`, `token`, `api_key`, ...), which would copy the value into every alert.

Each finding is reported at its line and column with the `*_file` field that takes the
secret instead; the value itself is never repeated.

Texts the model puts together from plan values are scanned with `what_secret` too, once made
(only those that changed): a per-service row's queries and selectors with the service's vars
substituted (monplan/model/services.py), and annotations with their Go templates expanded as
the generated tests and runbooks hold them (monplan/model/resolve.py). `monplan import`
scans every text of the document with it before reading it, and the plan it writes
(monplan/docimport/guard.py), so that it never writes what the loader would refuse.
"""

from __future__ import annotations

import base64
import binascii
import functools
import math
import re
import unicodedata
import urllib.parse
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

Path = tuple[str | int, ...]

# Names of URL query parameters and fragment fields that carry a credential; compared after
# lower-casing, percent-decoding and turning "-" into "_".
_SECRET_PARAMS = frozenset({
    "access_token", "refresh_token", "id_token", "token", "auth_token", "private_token", "api_token", "apitoken",
    "key", "api_key", "apikey", "access_key", "secret_key", "private_key", "routing_key", "service_key",
    "integration_key", "client_secret", "secret", "code", "password", "passwd", "pwd", "pass", "signature", "sig",
    "auth", "authorization", "session", "sessionid", "session_id", "jwt", "bearer", "credential", "credentials",
    "x_amz_signature", "x_amz_credential", "x_amz_security_token", "x_goog_signature", "x_goog_credential",
    "awsaccesskeyid", "sas", "sv_sig",
})
_SECRET_PARAM_SUFFIXES = ("_token", "_secret", "_password", "_signature", "_apikey", "_api_key", "_access_key",
                          "_secret_key", "_private_key")
# Keys of free-form mappings (labels, annotations, vars) that name a secret.
_SECRET_KEY = re.compile(
    r"(?:^|[_.\-])(?:password|passwd|pwd|secret|secrets|token|tokens|api_?key|apikey|access_?key|secret_?key|"
    r"private_?key|credential|credentials|client_secret|auth_?token|bearer|session_?id|dsn)(?:$|[_.\-])",
    re.IGNORECASE)

_URL = re.compile(r"\b[a-z][a-z0-9+.\-]*://[^\s\"'<>`]+", re.IGNORECASE)
_USERINFO = re.compile(r"\b[a-z][a-z0-9+.\-]*://([^/\s?#@\"'<>]+)@", re.IGNORECASE)
# A query-style field anywhere (also without a URL around it): ?token=..., &sig=..., #access_token=...
_PARAM = re.compile(r"[?&#;]([A-Za-z0-9_.\-]+)=([^&#\s\"'<>]+)")

_SHAPES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b(?:AKIA|ASIA|ABIA|ACCA|AGPA|AIDA|AIPA|ANPA|ANVA|APKA|AROA|ASCA)[A-Z0-9]{16}\b"),
     "an AWS access key"),
    (re.compile(r"\bAIza[0-9A-Za-z_\-]{35}"), "a Google API key"),
    (re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{22,})"), "a GitHub token"),
    (re.compile(r"\bglpat-[A-Za-z0-9_\-]{20,}"), "a GitLab token"),
    (re.compile(r"\bxox[abposre]-[A-Za-z0-9\-]{10,}|\bxapp-[0-9]-[A-Za-z0-9\-]{10,}"), "a Slack token"),
    (re.compile(r"\b[sr]k_(?:live|test)_[A-Za-z0-9]{16,}"), "a Stripe key"),
    (re.compile(r"\bSG\.[A-Za-z0-9_\-]{16,}\.[A-Za-z0-9_\-]{16,}"), "a SendGrid key"),
    (re.compile(r"\bnpm_[A-Za-z0-9]{36}\b"), "an npm token"),
    (re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{32,}"), "an API secret key (sk-...)"),
    (re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]{8,}\.[A-Za-z0-9_\-]*"), "a JSON Web Token"),
    (re.compile(r"-----BEGIN[A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"), "a private key"),
    (re.compile(r"hooks\.slack\.com/(?:services|workflows|triggers)/", re.IGNORECASE), "a Slack webhook URL"),
    (re.compile(r"discord(?:app)?\.com/api/webhooks/", re.IGNORECASE), "a Discord webhook URL"),
    (re.compile(r"\.webhook\.office\.com/|outlook\.office\.com/webhook/", re.IGNORECASE),
     "a Microsoft Teams webhook URL"),
    (re.compile(r"\b(?:password|passwd|pwd)\s*=\s*(?!\[[A-Z])[^\s'\";,&]{3,}", re.IGNORECASE),
     "a password setting"),
    (re.compile(r"\baws_?secret_?access_?key\s*[=:]\s*\S", re.IGNORECASE), "an AWS secret key"),
)
# Schemes of an Authorization header, whose words ("Basic authentication failures", "Bearer
# token-refresh-failures") are ordinary metric names: what follows must be a credential.
_BEARER = re.compile(r"\bBearer\s+([A-Za-z0-9._~+/\-]{16,}=*)", re.IGNORECASE)
_BASIC = re.compile(r"\bBasic\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])")
# Text that some pattern of _SHAPES (or the schemes above) needs, lower-case. A text whose case folding (as
# re.IGNORECASE folds: U+017F long s is an s, U+212A Kelvin a k, U+0131 dotless i an i)
# holds none of them matches none of the shapes, and is spared their searches, most of a
# scan's time (monplan scans every text of the plan, and every text that a service's vars
# or a template put together).
_SHAPE_ANCHORS = (
    "akia", "asia", "abia", "acca", "agpa", "aida", "aipa", "anpa", "anva", "apka", "aroa", "asca",  # AWS key
    "aiza", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "glpat-", "xox", "xapp-",
    "k_live_", "k_test_", "sg.", "npm_", "sk-", "eyj", "-----begin", "bearer", "basic",
    "hooks.slack.com/", "discord", "webhook", "password", "passwd", "pwd", "aws",
)


def folded(text: str) -> str:
    """The text case folded so that it holds each ASCII letter re.IGNORECASE would match in it."""
    return text.lower() if text.isascii() else text.casefold().replace("\u0131", "i")


_ANCHOR_SEARCH = re.compile("|".join(re.escape(anchor) for anchor in _SHAPE_ANCHORS)).search


def _may_have_shape(text: str) -> bool:
    return _ANCHOR_SEARCH(folded(text)) is not None


# An AWS secret access key: 40 characters of base64 without padding, random (checked below).
_AWS_SECRET = re.compile(r"(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])")
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_\-]{24,}={0,2}")


def _looks_random(text: str) -> bool:
    """Mixed case and digits with high entropy: a generated key, not a word, a path or a hex digest."""
    if not (re.search(r"[a-z]", text) and re.search(r"[A-Z]", text) and re.search(r"[0-9]", text)):
        return False
    counts = Counter(text)
    entropy = -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())
    return entropy >= 4.3


def _param_is_secret(name: str) -> bool:
    name = urllib.parse.unquote(name).lower().replace("-", "_")
    return name in _SECRET_PARAMS or name.endswith(_SECRET_PARAM_SUFFIXES)


def _views(text: str) -> Iterator[str]:
    """The text, and the forms a secret could hide behind: without invisible format characters
    (zero-width spaces), percent-decoded, and the content of base64 runs."""
    yield text
    visible = "".join(c for c in text if unicodedata.category(c) != "Cf") if not text.isascii() else text
    if visible != text:
        yield visible
    if "%" in visible:
        decoded = urllib.parse.unquote(visible)
        if decoded != visible:
            yield decoded
            if "%" in decoded:
                yield urllib.parse.unquote(decoded)
    for run in _BASE64_RUN.findall(visible):
        inner = _decoded_base64(run)
        if inner:
            yield inner


def _decoded_base64(run: str) -> str | None:
    try:
        raw = base64.b64decode(run + "=" * (-len(run) % 4), altchars=b"-_" if ("-" in run or "_" in run) else None,
                               validate=True)
    except (binascii.Error, ValueError):
        return None
    try:
        inner = raw.decode("utf-8")
    except UnicodeDecodeError:
        return None
    return inner if inner.isprintable() else None


@functools.lru_cache(maxsize=1 << 16)
def what_secret(text: str) -> str | None:
    """What kind of secret the text holds, or None. Remembered: a plan repeats most of its
    texts (priorities, tools, units, label values) row after row."""
    for view in _views(text):
        found = _what_secret_in(view)
        if found:
            return found
    return None


def _what_secret_in(text: str) -> str | None:
    if "@" in text and "://" in text and _USERINFO.search(text):
        return "a URL with credentials (user information before the @)"
    if _may_have_shape(text):
        for pattern, what in _SHAPES:
            if pattern.search(text):
                return what
        for match in _BEARER.finditer(text):  # a token, not words: "Bearer token-refresh-failures"
            token = match.group(1)
            if len(token) >= 32 or any(c.isdigit() for c in token):
                return "a bearer token"
        for match in _BASIC.finditer(text):  # base64 of user:password, not "Basic authentication"
            if ":" in (_decoded_base64(match.group(1)) or ""):
                return "a basic authorisation value"
    if "=" in text:
        for match in _PARAM.finditer(text):
            if _param_is_secret(match.group(1)):
                return f'a credential in a URL ("{urllib.parse.unquote(match.group(1))}=...")'
    if len(text) >= 40:
        for match in _AWS_SECRET.finditer(text):
            if _looks_random(match.group()):
                return "an AWS secret access key (or another generated key)"
    return None


def secret_key(key: str) -> bool:
    """A key of a free-form mapping (label, annotation, variable) named like a secret."""
    return not key.endswith("_file") and bool(_SECRET_KEY.search(key))


def alternative(path: Path) -> str:
    """The field that takes this secret from a file, from where in the plan it was found."""
    parts = {str(part) for part in path}
    for part, field in (("slack", 'slack "api_url_file"'), ("pagerduty", 'pagerduty "routing_key_file"'),
                        ("webhook", 'webhook "credentials_file" (and "url" without the credential)'),
                        ("email", 'email "auth_password_file"'), ("postgres_exporter", '"dsn_file"')):
        if part in parts:
            return field
    return ('a receiver\'s "api_url_file", "routing_key_file", "credentials_file" or "auth_password_file", '
            'or postgres_exporter\'s "dsn_file"')


Finding = tuple[Path, bool, str]  # path, whether it is the key at that path, message


def scan(data: Any, free_form: Callable[[Path], bool]) -> list[Finding]:
    """Every secret in the plan's data: values (text, numbers written as text, !!binary), and
    keys; keys of the mappings for which `free_form(path)` is true are also judged by name."""
    found: list[Finding] = []
    _scan_into(found, data, (), free_form)
    return found


def _report(found: list[Finding], path: Path, key: bool, what: str) -> None:
    found.append((path, key, f"this looks like {what}; secrets never go in the plan: store it in a file "
                             f"and give the file's path in {alternative(path)}"))


def _scan_into(found: list[Finding], value: Any, here: Path, free_form: Callable[[Path], bool]) -> None:
    # Module-level, not a closure calling itself (a reference cycle the build's disabled
    # cycle collector would leave behind, with all it holds).
    kind = type(value)
    if kind is str:
        what = what_secret(value)
        if what:
            _report(found, here, False, what)
    elif kind is bytes:  # !!binary: scanned as the text it decodes to
        what = what_secret(value.decode("utf-8", "replace")) or what_secret(value.decode("latin-1"))
        if what:
            _report(found, here, False, what)
    elif kind is dict:
        named = free_form(here)
        for key, item in value.items():
            child = here + (key,)
            text = key if isinstance(key, str) else str(key)
            what = what_secret(text)
            if what:
                _report(found, child, True, what)
            elif named and secret_key(text) and item not in (None, "", [], {}):
                found.append((child, True, f'"{text}" names a secret, and its value would be copied into '
                              "every alert, notification and generated file; secrets never go in the plan: "
                              f"store it in a file and give the file's path in {alternative(child)}"))
            _scan_into(found, item, child, free_form)
    elif kind is list:
        for index, item in enumerate(value):
            _scan_into(found, item, here + (index,), free_form)
