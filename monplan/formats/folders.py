"""Where monplan's own files are. Kept apart from the renderers so that the build record's
code fingerprint (`build --check`) finds the templates without importing them."""

from __future__ import annotations

from pathlib import Path


def templates_folder() -> Path:
    """Where the Markdown templates are: the installed package's, else the checkout's."""
    from importlib.util import find_spec

    spec = find_spec("monplan.templates")
    if spec is not None and spec.submodule_search_locations:
        return Path(next(iter(spec.submodule_search_locations)))
    return Path(__file__).resolve().parents[2] / "templates"  # a checkout used without installing
