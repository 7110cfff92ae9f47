"""Project hooks: before anything is written, check person_id, audio and every parameter; take the person's lock and clear
what a killed run left; log person_id to the MLflow run; leave no run open."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.locking import PersonLock, clean_leftovers
from phadtf_kedro.params_schema import check_parameters

PERSON_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
RESERVED = {"person_id": {"general"}}  # data/06_models/general/ and data/08_reporting/general/ are train_general's
NAMES = {"person_id": "it names folders under data/", "audio": "it names data/01_raw/audio/<audio>.wav"}


def validate_name(key: str, value: object) -> str:
    """person_id and audio name files under data/: letters, digits, '_' and '-', 1 to 64 characters, given as text.

    An int is that number written out (a Python caller's 31); a bool, None or a float is what YAML made of the text
    (`yes`, an empty value, `1e3`), which is refused rather than guessed back. The project's `kedro run` keeps these
    two values as typed (cli.py), so `person_id=007` is person "007" and `0x1F` is person "0x1F", never 31."""
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        raise PhadtfError(f"{key} {value!r}: must be text matching [A-Za-z0-9_-]{{1,64}} ({NAMES[key]}), "
                          f"got a {type(value).__name__}")
    if not PERSON_ID.fullmatch(value):
        raise PhadtfError(f"{key} {value!r}: must match [A-Za-z0-9_-]{{1,64}} ({NAMES[key]})")
    if value in RESERVED.get(key, ()):
        raise PhadtfError(f"{key} {value!r}: reserved (its folders hold the general, person-independent model)")
    return value


def validate_person_id(person_id: object) -> str:
    return validate_name("person_id", person_id)


def base_parameters(context) -> dict[str, Any]:
    """The merged conf/base parameters alone (no preset, no --params): the keys a run may use."""
    from kedro.framework.project import settings

    loader_args = {**settings.CONFIG_LOADER_ARGS, "default_run_env": "base", "base_env": "base"}
    loader = settings.CONFIG_LOADER_CLASS(conf_source=str(context.config_loader.conf_source), env="base",
                                          **loader_args)
    return loader["parameters"]


def person_paths(pipeline, catalog, person: str, project: Path) -> tuple[set[Path], bool]:
    """The person's own folders among the datasets `pipeline` reads or writes (`data/<layer>/<person>/`), and whether
    any dataset of the pipeline is the person's at all (those folders, or a file named after the person)."""
    folders, personal = set(), False
    for name in pipeline.datasets():
        if name.startswith("params:") or name == "parameters" or name not in catalog:
            continue
        dataset = catalog.get(name)
        where = getattr(dataset, "_filepath", None) or getattr(dataset, "_path", None)
        if where is None:
            continue
        path = Path(str(where))
        try:
            rel = path.relative_to(project) if path.is_absolute() else path
        except ValueError:
            continue
        if len(rel.parts) > 3 and rel.parts[0] == "data" and rel.parts[2] == person:  # data/<layer>/<person>/…
            folders.add(project.joinpath(*rel.parts[:3]))
            personal = True
        elif rel.parts[:1] == ("data",) and rel.stem == person:  # data/01_raw/videos/<person>.mp4
            personal = True
    return folders, personal


class PersonIdHook:
    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        """The earliest hook of a run: stop on a bad person_id, audio name or parameter before MLflow or any node
        writes a byte."""
        params = context.params
        self._person_id = validate_name("person_id", params.get("person_id", "demo"))
        validate_name("audio", params.get("audio", "demo"))
        check_parameters(params, base_parameters(context))
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
    """Guards the start of a pipeline run, before any node and before kedro-mlflow opens its run: the inputs that
    earlier stages make must exist, one run per person at a time, and a killed run's temp files go."""

    @hook_impl
    def after_context_created(self, context) -> None:
        self._person_id = validate_name("person_id", context.params.get("person_id", "demo"))
        self._project_path = Path(context.project_path)
        self._lock: PersonLock | None = None

    @hook_impl(tryfirst=True)
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        """A stage run on its own needs the outputs of earlier stages: name the missing file and the step to run.
        Then take the person's lock (a second run of the same person is refused with one line naming the holder) and
        clear the leftovers of an earlier killed run of this person."""
        person = self._person_id
        for name in sorted(pipeline.inputs()):
            if name.startswith("params:") or name == "parameters" or name not in catalog:
                continue
            stage = producing_stage(name)
            if stage is None or catalog.exists(name):
                continue
            where = getattr(catalog.get(name), "_filepath", name)
            raise PhadtfError(f"{where}: missing for person {person!r}; run the {stage} step first "
                              f"(kedro run --pipelines={stage} --params person_id={person})")
        folders, personal = person_paths(pipeline, catalog, person, self._project_path)
        if personal:
            self._lock = PersonLock(self._project_path / "data" / ".locks", person).acquire()
            clean_leftovers(folders)

    @hook_impl(trylast=True)
    def after_pipeline_run(self, run_params, pipeline, catalog) -> None:
        self._release()

    @hook_impl(trylast=True)
    def on_pipeline_error(self, error, run_params, pipeline, catalog) -> None:
        self._release()

    def _release(self) -> None:
        if getattr(self, "_lock", None) is not None:
            self._lock.release()
            self._lock = None
