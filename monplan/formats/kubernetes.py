"""Kubernetes objects as monplan writes and measures them: names, stored size, secret files.

Kept apart from the generator so `monplan validate` measures the manifests with exactly
the arithmetic the generator split them by.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from typing import Any

from monplan.lang import naming

NAME_LIMIT = 253  # a DNS-1123 subdomain, what Kubernetes accepts as an object name
SECRETS_DIR = "/etc/alertmanager/secrets"  # where the Prometheus Operator mounts Alertmanager.spec.secrets
_KEY_CHARS = re.compile(r"[^-._a-zA-Z0-9]")  # a ConfigMap or Secret key allows only these
_GO_ESCAPES = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
_GO_ESCAPED = re.compile("[<>&\u2028\u2029]")


def object_name(prefix: str, *parts: str) -> str:
    """`prefix` (a valid name already) and slugs of the parts; too long a name keeps its start
    and ends with a hash of the whole, so names stay distinct."""
    text = "-".join([prefix, *(naming.slug(part.replace("/", " ")) for part in parts)])
    if len(text) <= NAME_LIMIT:
        return text
    digest = hashlib.sha256(text.encode()).hexdigest()[:8]
    return f"{text[:NAME_LIMIT - 9].rstrip('-')}-{digest}"


def data_key(text: str) -> str:
    """A ConfigMap or Secret data key (a file name once mounted): 'services/api.json' -> 'services-api.json'."""
    return _KEY_CHARS.sub("-", text.replace("/", "-"))


def stored(obj: dict[str, Any]) -> bytes:
    """The object as the API server receives and stores it: compact JSON as Go writes it.

    Go's encoder escapes <, > and & (six bytes each, and PromQL is full of them); a Secret's
    stringData is stored base64-encoded under data. Measuring this, not the YAML file, is
    measuring what the 1 MiB limit applies to.
    """
    if obj.get("kind") == "Secret" and "stringData" in obj:
        obj = copy.copy(obj)
        data = dict(obj.get("data") or {})
        for key, value in obj.pop("stringData").items():
            data[key] = base64.b64encode(value.encode("utf-8")).decode("ascii")
        obj["data"] = data
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return _GO_ESCAPED.sub(lambda m: _GO_ESCAPES[m.group()], text).encode("utf-8")


def stored_size(obj: dict[str, Any]) -> int:
    return len(stored(obj))


def kib(size: int) -> str:
    return f"{size / 1024:.1f} KiB"


def secret_keys(paths: list[str]) -> dict[str, str]:
    """A data key for each secret file path: its file name, made unique when two paths share one."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for path in sorted(set(paths)):
        base = data_key(path.rstrip("/").rsplit("/", 1)[-1]) or "secret"
        key, index = base, 2
        while key in taken:
            key, index = f"{base}-{index}", index + 1
        keys[path] = key
        taken.add(key)
    return keys


def _file_fields(node: Any, found: list[tuple[dict[str, Any], str]]) -> None:
    """Every `*_file` field of an Alertmanager configuration (api_url_file, credentials_file, ...)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key.endswith("_file") and isinstance(value, str):
                found.append((node, key))
            else:
                _file_fields(value, found)
    elif isinstance(node, list):
        for item in node:
            _file_fields(item, found)


def mount_secret_files(config: dict[str, Any], secret: str) -> tuple[dict[str, Any], dict[str, str]]:
    """The configuration with every `*_file` path read from the mounted Secret `secret`.

    The Prometheus Operator mounts each Secret named in Alertmanager.spec.secrets at
    /etc/alertmanager/secrets/<secret>/, one file per key. Returns the new configuration and,
    for each path of the plan, the key it must have in that Secret.
    """
    config = copy.deepcopy(config)
    fields: list[tuple[dict[str, Any], str]] = []
    _file_fields(config, fields)
    keys = secret_keys([node[key] for node, key in fields])
    for node, key in fields:
        node[key] = f"{SECRETS_DIR}/{secret}/{keys[node[key]]}"
    return config, keys
