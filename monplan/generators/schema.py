"""The JSON Schema of plan.yaml, so editors complete and check plans offline.

The repository's plan.yaml starts with `# yaml-language-server: $schema=generated/plan.schema.json`.
"""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from monplan.formats.render import to_json
from monplan.model.plan import Plan

SCHEMA_PATH = "plan.schema.json"


def plan_schema() -> dict[str, Any]:
    from monplan.spec.plan import Plan as Spec

    schema = Spec.model_json_schema(by_alias=True, mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://monplan.dev/schemas/plan-v1.json",
        **schema,
        "title": "monplan plan, format version 1",
    }


def generate(plan: Plan) -> MutableMapping[str, Any]:
    from monplan.output.unitcache import unit

    # The same for every plan of one monplan (the unit's key holds the code): kept by a rebuild.
    return unit(plan, "schema", lambda cache: (), lambda: {SCHEMA_PATH: to_json(plan_schema())})
