"""Airflow 3 DAG `phadtf_persons`: fine-tune many persons at once, then the general model, then (optionally) again.

    create_experiment → finetune[person…] (mapped) → train_general → refinetune[person…] (optional)

One person is one task is one process: `kedro run --pipelines=finetune --params person_id=<id>`, so each person is one
MLflow run and the finetune pipeline's in-memory datasets stay inside one process. (The DAG `kedro airflow create`
generates runs one task per node and passes no runtime parameters: every task would be person `demo`.)

The run's configuration (`airflow dags trigger/test phadtf_persons --conf '{…}'`):
  persons      ["31", {"person_id": "vox2_00098", "params": {"reconstruction.train_seconds": 5.9}}, …]
  env          Kedro environment (preset): "tiny", "paper", or "" for conf/base
  world_size   ranks of the data-parallel train_general (train_general.world_size)
  refinetune   true: fine-tune every person again from the new general model (audio_motion + evaluation)

Where a task runs is chosen when the DAG is parsed, by the environment of the scheduler / DAG processor:
  PHADTF_RUNNER=local       (default) the project's own venv on the worker: <PHADTF_PROJECT>/.venv/bin/kedro
  PHADTF_RUNNER=docker      DockerOperator, one container of PHADTF_IMAGE per task, PHADTF_DATA mounted on /app/data
  PHADTF_RUNNER=kubernetes  KubernetesPodOperator, one pod per task, the PVC PHADTF_DATA_CLAIM mounted on /app/data
Every task gets MLFLOW_TRACKING_URI (a tracking server all persons share; unset: the project's SQLite file, which
only suits the local runner) and OMP_NUM_THREADS=PHADTF_THREADS. PHADTF_PARALLEL caps the finetunes running at once.
Only the local runner has been run (tests/scaleout/test_dag.py); docs/scale_out.md says what a cluster adds.
"""

from __future__ import annotations

import os
import re
import shlex
from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG, Param, task

RUNNER = os.environ.get("PHADTF_RUNNER", "local")
PROJECT = os.environ.get("PHADTF_PROJECT", str(Path(__file__).resolve().parents[2]))
KEDRO = os.environ.get("PHADTF_KEDRO", str(Path(PROJECT) / ".venv" / "bin" / "kedro"))
IMAGE = os.environ.get("PHADTF_IMAGE", "phadtf-kedro:latest")
PARALLEL = int(os.environ.get("PHADTF_PARALLEL", "2"))
TASK_ENV = {"MLFLOW_TRACKING_URI": os.environ.get("MLFLOW_TRACKING_URI", ""),
            "OMP_NUM_THREADS": os.environ.get("PHADTF_THREADS", "1"), "MKL_NUM_THREADS": os.environ.get(
                "PHADTF_THREADS", "1"), "KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
TASK_ENV = {k: v for k, v in TASK_ENV.items() if v}
NAME = re.compile(r"[A-Za-z0-9_-]{1,64}")  # phadtf_kedro.hooks.PERSON_ID: refused here before any task starts
PARAM_KEY = re.compile(r"[A-Za-z0-9_.]+")


def kedro_args(pipelines: str, env: str, params: dict[str, object]) -> list[str]:
    """The arguments of one `kedro run` (after `kedro`)."""
    args = ["run", f"--pipelines={pipelines}"] + ([f"--env={env}"] if env else [])
    if params:
        args.append("--params=" + ",".join(f"{k}={v}" for k, v in params.items()))
    return args


def person_params(entry: object) -> dict[str, object]:
    """`"31"` or `{"person_id": "31", "params": {...}}` → the run's `--params`, person_id first; a bad id or key, or a
    value with a comma (it would split `--params`), fails the plan task rather than one finetune."""
    person, extra = (entry, {}) if not isinstance(entry, dict) else (entry.get("person_id"), entry.get("params", {}))
    if not isinstance(person, (str, int)) or not NAME.fullmatch(str(person)):
        raise ValueError(f"person {entry!r}: person_id must match [A-Za-z0-9_-]{{1,64}}")
    for key, value in extra.items():
        if not PARAM_KEY.fullmatch(key) or "," in str(value):
            raise ValueError(f"person {person}: parameter {key}={value!r} cannot be passed as --params")
    return {"person_id": str(person), **extra}


def person_runs(pipelines: str, params: dict, extra: dict[str, object] | None = None) -> list[list[str]]:
    """The `kedro` arguments of `pipelines` for every person of the run's configuration (plus `extra` parameters)."""
    persons = [person_params(p) for p in params["persons"]]
    ids = [p["person_id"] for p in persons]
    if len(set(ids)) != len(ids):
        raise ValueError(f"persons {ids}: each person once (two runs of one person would share its folders)")
    return [kedro_args(pipelines, params["env"], {**p, **(extra or {})}) for p in persons]


def run_kedro(task_id: str, args, mapped: bool = False, program: str = "kedro", **kwargs):
    """The task(s) running `<program> <args>` where PHADTF_RUNNER says: one per element of `args` when `mapped`
    (dynamic task mapping over an upstream task's list), else one."""
    if RUNNER == "local":
        @task.bash(task_id=task_id, cwd=PROJECT, env=TASK_ENV, append_env=True, **kwargs)
        def local(args: list[str]) -> str:
            return shlex.join([str(Path(KEDRO).with_name(program)), *args])
        return local.expand(args=args) if mapped else local(args=args)
    if RUNNER == "docker":  # apache-airflow-providers-docker; the image of docker/Dockerfile (WORKDIR /app)
        from airflow.providers.docker.operators.docker import DockerOperator
        from docker.types import Mount

        operator, field = DockerOperator, "command"
        common = dict(image=IMAGE, entrypoint=[program], environment=TASK_ENV, mount_tmp_dir=False,
                      mounts=[Mount(target="/app/data", source=os.environ["PHADTF_DATA"], type="bind")],
                      auto_remove="success")
    elif RUNNER == "kubernetes":  # apache-airflow-providers-cncf-kubernetes
        from airflow.providers.cncf.kubernetes.operators.pod import KubernetesPodOperator
        from kubernetes.client import models as k8s

        operator, field = KubernetesPodOperator, "arguments"
        claim = os.environ.get("PHADTF_DATA_CLAIM", "phadtf-data")
        common = dict(
            name=f"phadtf-{task_id.replace('_', '-')}", image=IMAGE, cmds=[program], env_vars=TASK_ENV,
            get_logs=True, on_finish_action="delete_succeeded_pod",
            volumes=[k8s.V1Volume(name="data", persistent_volume_claim=k8s.V1PersistentVolumeClaimVolumeSource(
                claim_name=claim))],
            volume_mounts=[k8s.V1VolumeMount(name="data", mount_path="/app/data")],
            container_resources=k8s.V1ResourceRequirements(requests={"cpu": os.environ.get("PHADTF_THREADS", "1")}))
    else:
        raise ValueError(f"PHADTF_RUNNER={RUNNER!r}: local, docker or kubernetes")
    if mapped:
        return operator.partial(task_id=task_id, **common, **kwargs).expand(**{field: args})
    return operator(task_id=task_id, **common, **kwargs, **{field: args})


with DAG(
    dag_id="phadtf_persons",
    description="finetune every person (one task each), train the general model, optionally fine-tune again",
    start_date=datetime(2026, 1, 1),
    schedule=None,
    catchup=False,
    max_active_runs=1,
    params={
        "persons": Param(["31"], type="array", minItems=1),
        "env": Param("", type="string"),
        "world_size": Param(1, type="integer", minimum=1),
        "refinetune": Param(False, type="boolean"),
    },
    tags=["phadtf_kedro"],
) as dag:

    @task
    def experiment_args(params=None) -> list[str]:
        """`python -m phadtf_kedro.scaleout.experiment`: the MLflow experiment, once, before the persons start; the
        persons are checked here too, so a bad list fails before anything runs."""
        person_runs("finetune", params)
        return ["-m", "phadtf_kedro.scaleout.experiment"] + ([f"--env={params['env']}"] if params["env"] else [])

    @task
    def person_args(pipelines: str, start: str = "", params=None) -> list[list[str]]:
        """One `kedro` argument list per person (the list dynamic task mapping expands); `start` forces where the
        person's ATCNet starts (refinetune: the new general model, past the start gate)."""
        return person_runs(pipelines, params, {"audio_motion.finetune.start": start} if start else None)

    @task
    def general_args(params=None) -> list[str]:
        return kedro_args("train_general", params["env"], {"train_general.world_size": params["world_size"]})

    @task.short_circuit
    def refinetune_wanted(params=None) -> bool:
        return bool(params["refinetune"])

    experiment = run_kedro("create_experiment", experiment_args(), program="python")
    finetune = run_kedro("finetune", person_args.override(task_id="finetune_args")("finetune"), mapped=True,
                         max_active_tis_per_dag=PARALLEL)
    general = run_kedro("train_general", general_args())
    again = run_kedro("refinetune", person_args.override(task_id="refinetune_args")("audio_motion,evaluation", "general"),
                      mapped=True, max_active_tis_per_dag=PARALLEL)
    experiment >> finetune >> general >> refinetune_wanted() >> again
