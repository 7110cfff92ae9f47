"""MLflow runs a person can browse: a readable name, filterable tags, stage wall times, no run left RUNNING.

kedro-mlflow 2.0.3 names each run after its pipeline (twelve rows called `finetune`, `generate`, …) and tags it with
Kedro's run parameters as they are (`runner: <…SequentialRunner object at 0x7f…>`, the absolute project path). The
hook here, run after kedro-mlflow's, gives the run

- a name: `finetune · 31`, `generate · 31 ← hello`, `train_general · 18 persons`;
- tags: `pipeline`, `person_id` (the string that names the person's folders), `audio` (generate), `preset`
  (small | tiny | paper), the git commit and dirty flag of the project (`unknown` outside a git checkout), the
  package version, and the `pid` and `host` of the process; Kedro's run parameters without object reprs or paths;
- metrics: `time.<stage>_s`, each stage's wall time (its nodes' load + run + save, summed), and `time.total_s`, the
  wall time so far, logged as each node starts and at the end (so its last point is the run's last sign of life);

and at the start of every run, marks KILLED the runs of this experiment that are still RUNNING although the process
that opened them (same host, its recorded pid) is gone: a `kedro run` killed with SIGKILL never closes its run.
"""

from __future__ import annotations

import logging
import os
import re
import shlex
import socket
import subprocess
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import mlflow
from kedro.framework.hooks import hook_impl

import phadtf_kedro

log = logging.getLogger(__name__)

UNKNOWN = "unknown"
PERSONLESS = {"train_general", "demo_sample"}  # pipelines that are not about the run's person_id
PRESETS = {"tiny", "paper"}  # Kedro environments that are presets; base (and local) is the CPU preset `small`
OBJECT_REPR = re.compile(r"<([\w.]+) object at 0x[0-9a-fA-F]+>")
HEARTBEAT = "time.total_s"


def run_name(pipelines: list[str], person: str, audio: str | None = None, persons: int | None = None) -> str:
    """The run's name in MLflow's runs table: what ran, for whom (and, for generate, saying what)."""
    name = "+".join(pipelines)
    if persons is not None:
        return f"{name} · {persons} person{'s' if persons != 1 else ''}"
    if all(p in PERSONLESS for p in pipelines):
        return name
    return f"{name} · {person}" + (f" ← {audio}" if audio is not None else "")


def preset(env: str | None) -> str:
    """The parameter preset a Kedro environment selects: `tiny`, `paper`, else conf/base's `small`."""
    return env if env in PRESETS else "small"


def git_state(path: Path) -> dict[str, str]:
    """The commit checked out at `path` and whether tracked files differ from it; `unknown` outside a git checkout
    (a project copied elsewhere, a Docker image without .git) or without git."""
    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(path), *args], capture_output=True, text=True, timeout=10,
                              check=True).stdout.strip()
    try:
        commit = git("rev-parse", "--verify", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return {"git_commit": UNKNOWN, "git_dirty": UNKNOWN}
    return {"git_commit": commit, "git_dirty": str(bool(dirty)).lower()}


def tag_text(value: Any) -> str | None:
    """A run parameter of Kedro as a tag value a person can read: lists joined, dicts as `k=v,…` (the `--params`
    form), object reprs as their class name; None for an absolute path (it only names the user's machine)."""
    if isinstance(value, Mapping):
        return ",".join(f"{k}={v}" for k, v in value.items())
    if isinstance(value, (list, tuple, set)):
        return ",".join(str(v) for v in value)
    text = OBJECT_REPR.sub(lambda m: m.group(1).rsplit(".", 1)[-1], str(value))
    return None if Path(text).is_absolute() else text


def clean_run_tags(run_params: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    """Tags to set over those kedro-mlflow wrote from Kedro's `run_params` (it tags every truthy one with its str()),
    and the keys to delete: absolute paths, and `pipeline_names` (a list repr; the `pipeline` tag replaces it)."""
    set_, delete = {}, ["pipeline_names"]
    for key, value in run_params.items():
        if not value or key == "pipeline_names":
            continue
        text = tag_text(value)
        if text is None:
            delete.append(key)
        elif text != str(value):
            set_[key] = text
    return set_, delete


def full_command(command: str, env: str | None, runtime_params: Mapping[str, Any] | None) -> str:
    """kedro-mlflow's `kedro_command` tag with the `--env` and `--params` the run had."""
    if env and env != "local":
        command += f" --env={env}"
    if runtime_params:
        command += " --params=" + shlex.quote(tag_text(runtime_params))
    return command


def process_state(pid: int) -> tuple[bool, str | None]:
    """Whether process `pid` exists and is not a zombie, and its start time (Linux /proc, in clock ticks since boot;
    None elsewhere) to tell it from a later process that reused the pid."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False, None
    except PermissionError:
        pass  # it exists, under another user
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return True, None
    fields = stat[stat.rindex(")") + 2:].split()  # after "pid (comm) ": state is field 3, starttime field 22
    return fields[0] not in ("Z", "X"), fields[19]


def process_tags() -> dict[str, str]:
    """What identifies this process later, on this host: its pid, the pid's start time and the hostname."""
    pid = os.getpid()
    return {"pid": str(pid), "pid_start": process_state(pid)[1] or UNKNOWN, "host": socket.gethostname()}


def mark_stale_runs(client: mlflow.MlflowClient, experiment_id: str, host: str) -> list[str]:
    """Mark KILLED the experiment's RUNNING runs opened on `host` by a process that is gone (or whose pid now belongs
    to another process). The end time is the run's last sign of life: its last `time.total_s` point, else its start.
    Runs with no `pid` tag (older runs, runs opened by another tool) and runs of other hosts are left alone."""
    stale = []
    runs = client.search_runs([experiment_id], filter_string=f"attributes.status = 'RUNNING' and tags.host = '{host}'")
    for run in runs:
        tags = run.data.tags
        if not tags.get("pid", "").isdigit():
            continue
        alive, start = process_state(int(tags["pid"]))
        if alive and (start is None or tags.get("pid_start") in (None, UNKNOWN, start)):
            continue
        beats = client.get_metric_history(run.info.run_id, HEARTBEAT)
        end = max([b.timestamp for b in beats], default=run.info.start_time)
        client.set_tag(run.info.run_id, "killed_note", f"process {tags['pid']} on {host} ended without closing this "
                       "run; marked KILLED by the next run (end time: when its last node started)")
        client.set_terminated(run.info.run_id, "KILLED", end_time=end)
        log.warning("MLflow run %r (%s) was left RUNNING by process %s, which is gone: marked KILLED",
                    run.info.run_name, run.info.run_id, tags["pid"])
        stale.append(run.info.run_id)
    return stale


def node_stages(registered: Mapping[str, Any], order: Iterable[str], nodes: Iterable[Any]) -> dict[str, str]:
    """Each node's stage: the first pipeline in `order` (the finetune stages, then the other registered pipelines)
    that contains it."""
    stages = {}
    for stage in order:
        for node in registered[stage].nodes if stage in registered else ():
            stages.setdefault(node.name, stage)
    return {node.name: stages.get(node.name, "other") for node in nodes}


def train_general_persons(catalog: Any) -> list[str] | None:
    """The local persons train_general will learn from (both partitions present, as its first node takes them); None
    when there are none (the partitions load as {} then; the corpus clips are counted in the run's report)."""
    from kedro.io import DatasetError

    try:
        return sorted(set(catalog.load("all_coefficients")) & set(catalog.load("all_mfcc_windows"))) or None
    except (DatasetError, KeyError):
        return None


class RunTrackingHook:
    """Names and tags kedro-mlflow's run, times the stages, and closes runs whose process died (see the module)."""

    def __init__(self) -> None:
        self._run_id: str | None = None

    @hook_impl(trylast=True)  # after kedro-mlflow set the tracking URI (and after the person_id guard)
    def after_context_created(self, context) -> None:
        self._person = str(context.params.get("person_id", "demo"))  # `--params person_id=31` arrives as int 31
        self._audio = str(context.params.get("audio", "demo"))
        self._env, self._project, self._run_id = context.env, Path(context.project_path), None
        config = getattr(context, "mlflow", None)  # kedro-mlflow's configuration, when its hook is registered
        self._fixed_name = config and config.tracking.run.name  # mlflow.yml's `run.name`, when set, is kept
        experiment = config and mlflow.get_experiment_by_name(config.tracking.experiment.name)
        if experiment:
            mark_stale_runs(mlflow.MlflowClient(), experiment.experiment_id, socket.gethostname())

    @hook_impl(trylast=True)  # after kedro-mlflow started the run and wrote its tags
    def before_pipeline_run(self, run_params, pipeline, catalog) -> None:
        from kedro.framework.project import pipelines as registered

        from phadtf_kedro.pipeline_registry import FINETUNE_STAGES

        run = mlflow.active_run()
        if run is None:  # tracking disabled for this pipeline in mlflow.yml
            return
        self._run_id, self._client = run.info.run_id, mlflow.MlflowClient()
        names = [("finetune" if n == "__default__" else n) for n in run_params.get("pipeline_names") or ["__default__"]]
        persons = train_general_persons(catalog) if "train_general" in names else None
        audio = self._audio if "generate" in names else None
        if not self._fixed_name:
            self._client.update_run(self._run_id, name=run_name(names, self._person, audio,
                                                                None if persons is None else len(persons)))
        self._tag(run_params, names, persons, audio)

        others = sorted(k for k in registered if k not in FINETUNE_STAGES and k not in ("finetune", "__default__"))
        self._stage_of = node_stages(registered, [*FINETUNE_STAGES, *others], pipeline.nodes)
        self._start: dict[str, float] = {}
        self._end: dict[str, float] = {}
        self._logged: set[str] = set()
        self._t0, self._nodes_run = time.perf_counter(), 0

    def _tag(self, run_params, names: list[str], persons: list[str] | None, audio: str | None) -> None:
        from mlflow.entities import RunTag

        tags, delete = clean_run_tags(run_params)
        tags |= {"pipeline": "+".join(names), "preset": preset(self._env),
                 "phadtf_kedro_version": phadtf_kedro.__version__, **git_state(self._project), **process_tags()}
        if tags["git_commit"] != UNKNOWN:
            tags["mlflow.source.git.commit"] = tags["git_commit"]  # the UI's "Version" column
        if not all(n in PERSONLESS for n in names):
            tags["person_id"] = self._person
        if audio is not None:
            tags["audio"] = audio
        if persons is not None:
            tags["persons"] = ",".join(persons)[:1000]
        existing = self._client.get_run(self._run_id).data.tags
        if "kedro_command" in existing:  # kedro-mlflow leaves out --env and --params: the command could not rerun
            tags["kedro_command"] = full_command(existing["kedro_command"], self._env, run_params.get("runtime_params"))
        source = existing.get("mlflow.source.name", "")
        if Path(source).is_absolute():  # sys.argv[0], e.g. /home/<user>/…/.venv/bin/kedro
            tags["mlflow.source.name"] = Path(source).name
        for key in delete:
            if key in existing:
                self._client.delete_tag(self._run_id, key)
        self._client.log_batch(self._run_id, tags=[RunTag(k, str(v)) for k, v in tags.items()])

    @hook_impl
    def before_dataset_loaded(self, dataset_name, node) -> None:
        if self._run_id is not None and node is not None:
            self._start.setdefault(node.name, time.perf_counter())

    @hook_impl
    def before_node_run(self, node) -> None:
        if self._run_id is not None:
            self._start.setdefault(node.name, time.perf_counter())
            self._log_finished_stages()
            self._client.log_metric(self._run_id, HEARTBEAT, time.perf_counter() - self._t0, step=self._nodes_run)
            self._nodes_run += 1

    @hook_impl
    def after_node_run(self, node) -> None:
        if self._run_id is not None:
            self._end[node.name] = time.perf_counter()

    @hook_impl
    def after_dataset_saved(self, dataset_name, node) -> None:
        if self._run_id is not None and node is not None and node.name in self._end:
            self._end[node.name] = time.perf_counter()

    @hook_impl(tryfirst=True)  # before kedro-mlflow ends the run
    def after_pipeline_run(self) -> None:
        self._finish()

    @hook_impl(tryfirst=True)
    def on_pipeline_error(self) -> None:
        self._finish()

    def _finish(self) -> None:
        if self._run_id is not None:
            self._log_finished_stages()
            self._client.log_metric(self._run_id, HEARTBEAT, time.perf_counter() - self._t0, step=self._nodes_run)
            self._run_id = None

    def _log_finished_stages(self) -> None:
        """`time.<stage>_s` for each stage all of whose nodes finished (their outputs saved): the sum of its nodes'
        load + run + save wall times."""
        for stage in sorted(set(self._stage_of.values()) - self._logged):
            nodes = [n for n, s in self._stage_of.items() if s == stage]
            if all(n in self._end for n in nodes):
                spent = sum(self._end[n] - self._start.get(n, self._end[n]) for n in nodes)
                self._client.log_metric(self._run_id, f"time.{stage}_s", round(spent, 3))
                self._logged.add(stage)
