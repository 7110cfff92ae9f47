"""Project hooks: validate person_id and the run's inputs before anything is written; log person_id to the MLflow run;
leave no run open."""

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
        outer = mlflow.active_run()
        self._outer_run_id = outer.info.run_id if outer else None

    @hook_impl(trylast=True)
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        if mlflow.active_run() is not None:
            mlflow.log_param("person_id", self._person_id)

    @hook_impl(trylast=True)
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        self._close_leftover_runs()

    @hook_impl(trylast=True)
    def on_pipeline_error(self, error, run_params, pipeline, catalog) -> None:
        self._close_leftover_runs()

    def _close_leftover_runs(self) -> None:
        """kedro-mlflow 2.0.3 re-enters its run once per node (mlflow 3.17 stacks each re-entry) and ends it once, so an
        in-process session (tests, notebooks) would keep it active. Pop it, keeping the status kedro-mlflow gave it."""
        while (run := mlflow.active_run()) is not None and run.info.run_id != self._outer_run_id:
            status = mlflow.MlflowClient().get_run(run.info.run_id).info.status
            mlflow.end_run(status=status if status in ("FINISHED", "FAILED", "KILLED") else "FINISHED")


def producing_stage(dataset: str) -> str | None:
    """The pipeline stage (in finetune order) whose nodes write `dataset`, if any."""
    from kedro.framework.project import pipelines

    from phadtf_kedro.pipeline_registry import FINETUNE_STAGES

    return next((stage for stage in FINETUNE_STAGES if stage in pipelines and dataset in pipelines[stage].all_outputs()),
                None)


class MissingInputsHook:
    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        """A stage run on its own needs the outputs of earlier stages: name the missing file and the step to run,
        before any node starts (and before MLflow opens a run)."""
        person = (run_params.get("runtime_params") or {}).get("person_id", "demo")
        for name in sorted(pipeline.inputs()):
            if name.startswith("params:") or name == "parameters" or name not in catalog:
                continue
            stage = producing_stage(name)
            if stage is None or catalog.exists(name):
                continue
            where = getattr(catalog.get(name), "_filepath", name)
            raise PhadtfError(f"{where}: missing for person {person!r}; run the {stage} step first "
                              f"(kedro run --pipelines={stage} --params person_id={person})")
