"""Grafana: a dashboard per plan dashboard, and the provisioning that loads them.

    grafana/dashboards/<title>.json                 one per dashboard, built with grafanalib
    grafana/provisioning/dashboards/monplan.yml     file provider: the folder from the plan
    grafana/provisioning/datasources/monplan.yml    Prometheus and Alertmanager from endpoints

Mount generated/grafana/provisioning as /etc/grafana/provisioning and
generated/grafana/dashboards at endpoints.grafana_dashboards_path: Grafana 10-12 start
with the folder, the data sources and the dashboards in place.
"""

from __future__ import annotations

import functools
import hashlib
import pickle
from collections.abc import MutableMapping
from typing import Any

from monplan.formats.render import header, to_json, to_yaml
from monplan.generators import collector
from monplan.lang import naming
from monplan.model.boards import Board, boards, stable_uid
from monplan.model.plan import Plan

PROVISIONING_DIR = "grafana/provisioning"


def datasource_uids(plan: Plan) -> tuple[str, str]:
    """Stable uids of the Prometheus and Alertmanager data sources."""
    return stable_uid(plan.settings.system, "prometheus"), stable_uid(plan.settings.system, "alertmanager")


def datasource_names(plan: Plan) -> tuple[str, str]:
    return f"Prometheus ({plan.settings.system})", f"Alertmanager ({plan.settings.system})"


def _scrape_interval(plan: Plan) -> str | None:
    """Prometheus' scrape interval, when the plan's collection says it: Grafana's $__rate_interval needs it."""
    return plan.collection.scrape_interval if plan.collection is not None else None


def datasources(plan: Plan) -> dict[str, Any]:
    endpoints = plan.settings.endpoints
    (prometheus_uid, alertmanager_uid), (prometheus_name, alertmanager_name) = datasource_uids(plan), datasource_names(plan)
    prometheus_json: dict[str, Any] = {"httpMethod": "POST", "prometheusType": "Prometheus",
                                       "alertmanagerUid": alertmanager_uid}
    interval = _scrape_interval(plan)
    if interval:
        prometheus_json["timeInterval"] = interval
    return {"apiVersion": 1, "datasources": [
        {"name": prometheus_name, "uid": prometheus_uid, "type": "prometheus", "access": "proxy", "orgId": 1,
         "url": endpoints.prometheus_url, "editable": False, "jsonData": prometheus_json},
        {"name": alertmanager_name, "uid": alertmanager_uid, "type": "alertmanager", "access": "proxy", "orgId": 1,
         "url": endpoints.alertmanager_url, "editable": False,
         "jsonData": {"implementation": "prometheus", "handleGrafanaManagedAlerts": False}},
    ]}


def provider(plan: Plan) -> dict[str, Any]:
    endpoints = plan.settings.endpoints
    return {"apiVersion": 1, "providers": [{
        "name": f"monplan: {plan.settings.system}",
        "orgId": 1,
        "folder": endpoints.grafana_folder,
        "folderUid": stable_uid(endpoints.grafana_folder),
        "type": "file",
        "disableDeletion": False,
        "allowUiUpdates": False,  # the plan is the source: edits in Grafana would be lost on rebuild
        "updateIntervalSeconds": 30,
        "options": {"path": endpoints.grafana_dashboards_path, "foldersFromFilesStructure": False},
    }]}


def no_env_expansion(data: Any) -> Any:
    """Every string value with $ doubled. Grafana expands $NAME and ${NAME} from its own
    environment in each value of a provisioning file, and reads $$ as a literal $
    (pkg/services/provisioning/values): a folder named "$GF_SECURITY_ADMIN_PASSWORD" in the
    plan must stay that text, not become the admin password."""
    if isinstance(data, str):
        return data.replace("$", "$$")
    if isinstance(data, dict):
        return {key: no_env_expansion(value) for key, value in data.items()}
    if isinstance(data, list):
        return [no_env_expansion(value) for value in data]
    return data


def _board_inputs(plan: Plan, board: Board, cache: Any) -> list[object]:
    """What a dashboard (part) is made of besides the plan's settings: the board and the rows
    it shows (a whole dashboard's firing panels list every alert of the plan, or its service)."""
    from monplan.model.boards import row_items
    from monplan.model.plan import Alert

    inputs: list[object] = [(board.title, board.uid, board.link, board.description, board.groups, board.service,
                             board.part, board.parts, board.slices, board.stem)]
    if board.slices:
        items = [item for kind, number, first, end in board.slices if kind == "group"
                 for item in row_items(plan, board, board.groups[number])[first:end]]
    else:
        items = list(plan.alerts)
    inputs += [cache.alert(item) if isinstance(item, Alert) else item for item in items]
    return inputs


def generate(plan: Plan) -> MutableMapping[str, bytes]:
    from monplan.output.unitcache import unit

    source = plan.source
    every: list[Board] = boards(plan)
    prometheus = (datasource_uids(plan)[0], datasource_names(plan)[0])
    @functools.cache  # made by the first dashboard rendered (never, when a rebuild keeps them all)
    def link_index() -> Any:
        from monplan.generators.grafana.build import LinkIndex  # grafanalib: only when rendering

        return LinkIndex(every, naming.slug(plan.settings.system))

    files = collector()
    # Every dashboard links the others: their names and links are part of each one's key, hashed
    # once (a thousand parts would otherwise pickle a thousand links each).
    links = hashlib.blake2b(pickle.dumps([(b.title, b.uid, b.link, b.path, b.part, b.parts, b.description, b.service)
                                          for b in every], protocol=5), digest_size=20).digest()
    for board in every:
        def render(board: Board = board) -> dict[str, bytes]:
            import attr

            from monplan.generators.grafana.build import dashboard

            # grafanalib checks every attribute of every object it builds, and again on each copy;
            # the generated JSON is checked against Grafana's own schemas by the tests instead.
            with attr.validators.disabled():
                return {board.path: to_json(dashboard(plan, board, link_index(), prometheus))}

        files.update(unit(plan, "dashboard", lambda cache: (links, *_board_inputs(plan, board, cache)),  # noqa: B023 - unit() calls it at once
                          render))
    files[f"{PROVISIONING_DIR}/dashboards/monplan.yml"] = to_yaml(
        no_env_expansion(provider(plan)), header(source, f"Grafana dashboards provider: the {len(every)} dashboards of {plan.settings.system}"))
    files[f"{PROVISIONING_DIR}/datasources/monplan.yml"] = to_yaml(
        no_env_expansion(datasources(plan)), header(source, f"Grafana data sources of {plan.settings.system}"))
    return files
