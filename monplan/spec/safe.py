"""Values that generated files use as they are: URLs, host:port addresses, paths of secret
files, e-mail addresses, receiver and label names, mtail label values.

Free text of the plan (titles, names, descriptions) is escaped by each generator for its
format. The values here cannot be escaped: Prometheus, Alertmanager, Grafana, systemd,
the shell of the report schedules, calendars and mtail read them as addresses, paths or
names. So each is checked at its plan line, with a message saying what is expected,
rather than written into a file that breaks (or does something else) where it lands.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

from monplan.spec.types import PLACEHOLDER, Text

_HOST = r"(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]*[A-Za-z0-9_])?|\[[0-9A-Fa-f:.]+\])"
_HOST_PORT = re.compile(rf"^{_HOST}:(?P<port>\d{{1,5}})$")
# After the host, only characters of RFC 3986 that every consumer takes literally: the
# systemd units pass URLs to `sh -c '... "URL" ...'` (so no ', ", $, ` or \), GitHub's
# workflow carries them in an expression string, prometheus.yml and Grafana in YAML.
_URL = re.compile(rf"^(?P<scheme>https?)://(?:[^\s/?#@]+@)?(?P<host>{_HOST})(?::(?P<port>\d{{1,5}}))?(?P<rest>[/?#].*)?$",
                  re.DOTALL)
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!&()*+,;=%]")
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]"
_ADDR = rf"{_ATEXT}+(?:\.{_ATEXT}+)*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
_ADDRESS = re.compile(rf"^{_ADDR}$")
# "Display Name <addr>" as Go's net/mail (Alertmanager) parses it: a quoted string, or words.
_NAMED_ADDRESS = re.compile(rf'^(?:"(?:[^"\\\r\n]|\\[^\r\n])*"|[^\s<>"@,;:\\()\[\]][^<>"@,;:\\()\[\]\r\n]*?)\s*<{_ADDR}>$')
_LABEL = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")


def _placeholder(value: str, needs: str) -> None:
    found = PLACEHOLDER.search(value)
    if found:
        raise ValueError(f"placeholder {found.group()} must be filled in here: {needs}")


def _printable(value: str, what: str) -> None:
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:
        raise ValueError(f"{what} cannot contain the control character {bad!r} (a line break or tab?)")


def url(value: str) -> str:
    """An http(s) URL every generated file can carry literally."""
    _placeholder(value, "the generated configurations connect to this URL")
    match = _URL.match(value)
    if not match:
        raise ValueError(f'"{value}" is not an http(s) URL; expected e.g. "http://prometheus.example.com:9090"')
    if match["port"] and not 0 < int(match["port"]) < 65536:
        raise ValueError(f'"{value}" has port {match["port"]}; ports are 1-65535')
    bad = next((c for c in match["rest"] or "" if not _URL_CHARS.fullmatch(c)), None)
    if bad is not None:
        raise ValueError(f'"{value}" contains {bad!r}, which the generated configurations and scripts cannot carry '
                         "safely; percent-encode it (a space is %20)")
    if _BAD_PERCENT.search(value):
        raise ValueError(f'"{value}" has a % that does not start a percent-encoding such as %20')
    return value


# A link people open in a browser (a dashboard's link, an annotation named *url or *link):
# http(s) and a host, or a path on the server that shows it. Any other scheme (javascript:,
# data:, file:, vbscript:, in any case, after any blank or control character) would run or
# open something else where the link is clicked: Grafana, a runbook, a pull request, a chat.
_LINK = re.compile(rf"^(?i:https?)://(?:[^\s/?#@]+@)?{_HOST}(?::\d{{1,5}})?(?:[/?#].*)?$", re.DOTALL)
_PATH = re.compile(r"^/(?![/\\])")
_LINK_EXPECTED = ('expected e.g. "https://grafana.example.com/d/abc": javascript:, data: and other schemes run or open '
                  "something else where the link is clicked")


def _link_printable(value: str) -> None:
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:
        raise ValueError(f"a link cannot contain the control character {bad!r}; {_LINK_EXPECTED}")


def link(value: str) -> str:
    """Where people open something: an http(s) URL, or a path ("/d/abc") on the server showing it."""
    _placeholder(value, "people open this link")
    _link_printable(value)
    if not (_LINK.match(value) or _PATH.match(value)):
        raise ValueError(f'"{value}" is neither an http(s) URL nor a path on the server (one / first); {_LINK_EXPECTED}')
    return value


def web_url(value: str) -> str:
    """An http(s) URL people open, which may hold Go templates ({{ $labels.x }}) after the scheme."""
    _link_printable(value)
    if not re.match(r"^(?i:https?)://[^\s/]", value):
        raise ValueError(f'"{value}" is not an http(s) URL; {_LINK_EXPECTED}')
    return value


def host_port(value: str) -> str:
    _placeholder(value, "a program connects to this host:port")
    match = _HOST_PORT.match(value)
    if not match or not 0 < int(match["port"]) < 65536:
        raise ValueError(f'"{value}" is not host:port; expected e.g. "api-1.example.svc:8080" (no scheme or path, '
                         "port 1-65535)")
    return value


def secret_file(value: str) -> str:
    """The path of a file holding a secret, on the host of the program that reads it."""
    _placeholder(value, "the path of the file holding the secret")
    _printable(value, "a file path")
    if not value.startswith("/"):
        # The value is not repeated: a field meant for a path sometimes holds the secret itself.
        raise ValueError("this is not an absolute path; expected the path of the secret file on the host that reads it, "
                         'such as "/etc/alertmanager/secrets/slack.url" (a relative path would be read from inside the '
                         "generated folder)")
    return value


def address(value: str) -> str:
    """A bare e-mail address (mailto: links, calendar attendees)."""
    _placeholder(value, "an e-mail address")
    if not _ADDRESS.match(value):
        raise ValueError(f'"{value}" is not an e-mail address; expected e.g. "ops@example.com"')
    return value


def mailbox(value: str) -> str:
    """An address Alertmanager can send to or from: bare, or with a display name."""
    _placeholder(value, "an e-mail address")
    if not (_ADDRESS.match(value) or _NAMED_ADDRESS.match(value)):
        raise ValueError(f'"{value}" is not an e-mail address; expected e.g. "ops@example.com" or '
                         '"Ops Team <ops@example.com>" (quote a display name with punctuation)')
    return value


def receiver_name(value: str) -> str:
    if "," in value:
        raise ValueError(f'"{value}" contains ","; receiver names cannot, as `amtool config routes test` (run by monplan '
                         "validate) reads a list of receivers separated by commas")
    return value


def group_label(value: str) -> str:
    if value != "..." and not _LABEL.match(value):
        raise ValueError(f'"{value}" is not a label name; group_by takes label names such as alertname, service and '
                         'component, or "..." for every label')
    return value


def mtail_label_value(value: str) -> str:
    """A label value in an mtail program: its strings keep every backslash as written (only
    \\" is an escape) and end at a line break, so neither can be written in one."""
    _printable(value, "an mtail label value")
    if "\\" in value:
        raise ValueError(f'"{value}" contains a backslash, which an mtail program cannot write in a label value; '
                         'expected a component name such as "api"')
    return value


Url = Annotated[str, AfterValidator(url)]
Link = Annotated[str, AfterValidator(link)]
HostPort = Annotated[str, AfterValidator(host_port)]
SecretFile = Annotated[Text, AfterValidator(secret_file)]
EmailAddress = Annotated[str, AfterValidator(address)]
Mailbox = Annotated[Text, AfterValidator(mailbox)]
ReceiverName = Annotated[Text, AfterValidator(receiver_name)]
GroupLabel = Annotated[str, AfterValidator(group_label)]
MtailLabelValue = Annotated[Text, AfterValidator(mtail_label_value)]
