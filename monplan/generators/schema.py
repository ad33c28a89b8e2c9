"""The JSON Schema of plan.yaml, so editors complete and check plans offline.

The repository's plan.yaml starts with `# yaml-language-server: $schema=generated/plan.schema.json`.
"""

from __future__ import annotations

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


def generate(plan: Plan) -> dict[str, bytes]:
    return {SCHEMA_PATH: to_json(plan_schema())}
