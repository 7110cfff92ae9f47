"""Project hooks: validate person_id before anything is written, and log it to the MLflow run."""

from __future__ import annotations

import re

import mlflow
from kedro.framework.hooks import hook_impl

from phadtf_kedro.errors import PhadtfError

PERSON_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def validate_person_id(person_id: object) -> str:
    """person_id names folders under data/: letters, digits, '_' and '-', 1 to 64 characters."""
    text = str(person_id)
    if not PERSON_ID.fullmatch(text):
        raise PhadtfError(f"person_id {text!r}: must match [A-Za-z0-9_-]{{1,64}} (it names folders under data/)")
    return text


class PersonIdHook:
    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        """The earliest hook of a run: stop on a bad person_id before MLflow or any node writes a byte."""
        self._person_id = validate_person_id(context.params.get("person_id", "demo"))

    @hook_impl(trylast=True)
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if mlflow.active_run() is not None:
            mlflow.log_param("person_id", self._person_id)
