"""MLflow runs a person can browse (phadtf_kedro.tracking): names, tags without reprs or paths, git state, stage wall
times, and runs left RUNNING by a killed process marked KILLED — on real MLflow stores, real processes and, in the slow
test, a real `kedro run` killed with SIGKILL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import mlflow
import pytest
from kedro.framework.hooks.manager import _create_hook_manager
from kedro.io import DataCatalog, MemoryDataset
from kedro.pipeline import Node, Pipeline
from kedro.runner import SequentialRunner

from phadtf_kedro import tracking
from phadtf_kedro.tracking import (
    RunTrackingHook,
    clean_run_tags,
    full_command,
    git_state,
    mark_stale_runs,
    node_stages,
    preset,
    process_state,
    process_tags,
    run_name,
)
from tests.conftest import KEDRO, cli_env, make_project, run_cli, run_session

REPR = "<kedro.runner.sequential_runner.SequentialRunner object at 0x7f9349aa5190>"


def test_run_names_say_who_and_what():
    assert run_name(["finetune"], "31") == "finetune · 31"
    assert run_name(["generate"], "31", audio="hello") == "generate · 31 ← hello"
    assert run_name(["train_general"], "demo", persons=18) == "train_general · 18 persons"
    assert run_name(["train_general"], "demo", persons=1) == "train_general · 1 person"
    assert run_name(["demo_sample"], "31") == "demo_sample"  # it always makes the demo person, whatever person_id
    assert run_name(["preprocessing", "reconstruction"], "7") == "preprocessing+reconstruction · 7"


def test_presets_are_the_kedro_environments():
    assert [preset(e) for e in ("tiny", "paper", "local", "base", None)] == ["tiny", "paper", "small", "small", "small"]


def test_run_params_lose_object_reprs_and_absolute_paths():
    run_params = {"run_id": "2026-11-24T09.21.03.997Z", "project_path": "/home/someone/phadtf", "env": "tiny",
                  "runner": REPR, "pipeline_names": ["finetune"], "runtime_params": {"person_id": 31, "audio": "hi"},
                  "tags": ["a", "b"], "from_nodes": None, "only_missing_outputs": False}
    set_, delete = clean_run_tags(run_params)
    assert set_ == {"runner": "SequentialRunner", "runtime_params": "person_id=31,audio=hi", "tags": "a,b"}
    assert sorted(delete) == ["pipeline_names", "project_path"]
    assert full_command("kedro run --pipeline=finetune", "tiny", {"person_id": 31}) == \
        "kedro run --pipeline=finetune --env=tiny --params=person_id=31"
    assert full_command("kedro run --pipeline=finetune", "local", None) == "kedro run --pipeline=finetune"


def git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t", *args], check=True,
                          capture_output=True, text=True).stdout.strip()


def test_git_state_of_a_checkout_and_of_a_plain_folder(tmp_path):
    assert git_state(tmp_path) == {"git_commit": "unknown", "git_dirty": "unknown"}
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / "a.txt").write_text("one\n")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", "first")
    head = git(repo, "rev-parse", "HEAD")
    (repo / "untracked.txt").write_text("data outputs are not code\n")
    assert git_state(repo) == {"git_commit": head, "git_dirty": "false"}
    (repo / "a.txt").write_text("two\n")
    assert git_state(repo) == {"git_commit": head, "git_dirty": "true"}


def test_process_state_tells_live_dead_zombie_and_reused_pids():
    alive, start = process_state(os.getpid())
    assert alive and start == process_tags()["pid_start"] and start.isdigit()
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    assert process_state(child.pid)[0]
    assert process_state(child.pid)[1] != start  # another process, another start time
    os.kill(child.pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while process_state(child.pid)[0] and time.monotonic() < deadline:  # killed, not yet reaped: a zombie
        time.sleep(0.01)
    assert not process_state(child.pid)[0]
    child.wait()
    assert process_state(child.pid) == (False, None)


def make_run(client, experiment_id: str, tags: dict, beats: int = 0) -> str:
    run = client.create_run(experiment_id, tags=tags)
    for step in range(beats):
        client.log_metric(run.info.run_id, tracking.HEARTBEAT, float(step), step=step)
        time.sleep(0.005)
    return run.info.run_id


def test_stale_runs_of_dead_processes_are_killed_at_their_last_sign_of_life(tmp_path):
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")
    exp = client.create_experiment("phadtf_kedro")
    me = process_tags()
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()  # a pid that is gone
    dead = make_run(client, exp, {**me, "pid": str(child.pid), "pid_start": "1"}, beats=3)
    dead_no_beat = make_run(client, exp, {**me, "pid": str(child.pid)})
    reused = make_run(client, exp, {**me, "pid_start": "1"})  # our pid, but recorded for an older process
    mine = make_run(client, exp, me)
    legacy = make_run(client, exp, {})  # no pid tag: written before this hook, or by another tool
    elsewhere = make_run(client, exp, {**me, "pid": str(child.pid), "host": "another-host"})
    finished = make_run(client, exp, {**me, "pid": str(child.pid)})
    client.set_terminated(finished, "FINISHED")

    assert sorted(mark_stale_runs(client, exp, me["host"])) == sorted([dead, dead_no_beat, reused])
    status = {r: client.get_run(r).info.status for r in (dead, dead_no_beat, reused, mine, legacy, elsewhere, finished)}
    assert status == {dead: "KILLED", dead_no_beat: "KILLED", reused: "KILLED", mine: "RUNNING", legacy: "RUNNING",
                      elsewhere: "RUNNING", finished: "FINISHED"}
    last_beat = client.get_metric_history(dead, tracking.HEARTBEAT)[-1].timestamp
    assert client.get_run(dead).info.end_time == last_beat
    assert client.get_run(dead_no_beat).info.end_time == client.get_run(dead_no_beat).info.start_time
    assert "ended without closing" in client.get_run(dead).data.tags["killed_note"]
    assert mark_stale_runs(client, exp, me["host"]) == []  # nothing left to do


def nap(x):
    time.sleep(0.05)
    return x


def test_hook_names_tags_and_times_a_run(tmp_path, monkeypatch):
    """The hook on a real MLflow run, driven by Kedro's SequentialRunner (node and dataset hooks as in `kedro run`)."""
    import kedro.framework.project

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    monkeypatch.setattr(mlflow.tracking._tracking_service.utils, "_tracking_uri", uri)  # restored afterwards
    exp = mlflow.create_experiment("phadtf_kedro")
    nodes = [Node(nap, "a", "b", name="crop"), Node(nap, "b", "c", name="track"), Node(nap, "c", "d", name="fit")]
    pipeline = Pipeline(nodes)
    monkeypatch.setattr(kedro.framework.project, "pipelines", {
        "preprocessing": Pipeline(nodes[:2]), "reconstruction": Pipeline(nodes[2:]), "finetune": pipeline})
    hook = RunTrackingHook()
    hook.after_context_created(SimpleNamespace(
        params={"person_id": 31, "audio": "demo"}, env="tiny", project_path=tmp_path,
        mlflow=SimpleNamespace(tracking=SimpleNamespace(experiment=SimpleNamespace(name="phadtf_kedro"),
                                                 run=SimpleNamespace(name=None)))))
    run_params = {"project_path": tmp_path.as_posix(), "env": "tiny", "runner": REPR, "pipeline_names": ["finetune"],
                  "runtime_params": {"person_id": 31}}
    with mlflow.start_run(experiment_id=exp, run_name="finetune") as run:
        mlflow.set_tags({k: v for k, v in run_params.items() if v})  # what kedro-mlflow 2.0.3 tags
        mlflow.set_tag("kedro_command", "kedro run --pipeline=finetune")
        hook.before_pipeline_run(run_params, pipeline, None)
        manager = _create_hook_manager()
        manager.register(hook)
        SequentialRunner().run(pipeline, DataCatalog({"a": MemoryDataset(1)}), manager)
        hook.after_pipeline_run()
    done = mlflow.MlflowClient(uri).get_run(run.info.run_id)
    tags, metrics = done.data.tags, done.data.metrics
    assert done.info.run_name == "finetune · 31"
    assert {k: tags[k] for k in ("person_id", "pipeline", "preset", "runner", "git_commit", "runtime_params")} == {
        "person_id": "31", "pipeline": "finetune", "preset": "tiny", "runner": "SequentialRunner",
        "git_commit": "unknown", "runtime_params": "person_id=31"}
    assert tags["kedro_command"] == "kedro run --pipeline=finetune --env=tiny --params=person_id=31"
    assert tags["pid"] == str(os.getpid()) and tags["phadtf_kedro_version"]
    assert "project_path" not in tags and "pipeline_names" not in tags and "audio" not in tags
    assert not [v for v in tags.values() if " object at 0x" in v or v.startswith(str(tmp_path))], tags
    # the stage times hold their nodes' naps (a lower bound, not a speed figure), and add up to at most the total
    assert metrics["time.preprocessing_s"] >= 0.1 and metrics["time.reconstruction_s"] >= 0.05
    assert metrics["time.preprocessing_s"] + metrics["time.reconstruction_s"] <= metrics["time.total_s"]
    assert len(mlflow.MlflowClient(uri).get_metric_history(run.info.run_id, tracking.HEARTBEAT)) == 4  # 3 nodes + end


def test_node_stages_follow_the_finetune_order():
    shared = Node(nap, "a", "b", name="shared")
    other = Node(nap, "b", "c", name="other")
    registered = {"preprocessing": Pipeline([shared]), "generate": Pipeline([shared, other])}
    assert node_stages(registered, ["preprocessing", "generate"], [shared, other]) == {
        "shared": "preprocessing", "other": "generate"}


def test_train_general_counts_the_persons_with_both_partitions(tmp_path):
    """The count in `train_general · N persons` comes from the catalog entries train_general reads (conf/base)."""
    import yaml

    from phadtf_kedro.tracking import train_general_persons
    from tests.conftest import ROOT

    conf = yaml.safe_load((ROOT / "conf" / "base" / "catalog.yml").read_text())
    entries = {name: {**conf[name], "path": str(tmp_path / "04_feature")} for name in ("all_coefficients",
                                                                                        "all_mfcc_windows")}
    catalog = DataCatalog.from_config(entries)
    assert train_general_persons(catalog) is None  # no folder yet: the name says no count
    for person, files in {"31": ["coefficients", "mfcc_windows"], "demo": ["coefficients", "mfcc_windows"],
                          "half": ["mfcc_windows"]}.items():
        (tmp_path / "04_feature" / person).mkdir(parents=True)
        for name in files:
            (tmp_path / "04_feature" / person / f"{name}.npz").write_bytes(b"")
    assert train_general_persons(DataCatalog.from_config(entries)) == ["31", "demo"]


def runs_of(project: Path) -> list:
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    exp = client.get_experiment_by_name("phadtf_kedro")
    return client.search_runs([exp.experiment_id], order_by=["attributes.start_time ASC"]) if exp else []


@pytest.mark.slow
def test_a_kedro_run_killed_with_sigkill_is_marked_killed_by_the_next_run(tmp_path):
    project = make_project(tmp_path / "project")
    made = run_cli(project, "--pipelines=demo_sample")
    assert made.returncode == 0, made.stderr[-2000:]
    env = cli_env(KEDRO_DISABLE_TELEMETRY="true", DO_NOT_TRACK="1")
    cmd = [KEDRO, "run", "--pipeline=finetune", "--env=tiny", "--params", "person_id=demo"]
    proc = subprocess.Popen(cmd, cwd=project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while proc.poll() is None and time.monotonic() < deadline:  # kill it once preprocessing is done
            running = [r for r in runs_of(project) if r.info.run_name == "finetune · demo"]
            if running and "time.preprocessing_s" in running[0].data.metrics:
                break
            time.sleep(0.5)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # kill -9 of kedro (and of any worker process it started)
        proc.wait()
    killed_at_ms = time.time() * 1000
    [run] = [r for r in runs_of(project) if r.info.run_name == "finetune · demo"]
    assert run.info.status == "RUNNING" and run.data.tags["pid"] == str(proc.pid)  # nothing closed it

    rerun = run_cli(project, "--pipelines=preprocessing", "--env=tiny", "--params", "person_id=demo")
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    first, second = [r for r in runs_of(project) if r.data.tags.get("person_id") == "demo"]
    assert first.info.run_id == run.info.run_id and first.info.status == "KILLED"
    client = mlflow.MlflowClient(tracking_uri=f"sqlite:///{project / 'mlflow.db'}")
    stage_logged = client.get_metric_history(run.info.run_id, "time.preprocessing_s")[-1].timestamp
    # ends when its last node (the first of reconstruction) started: after preprocessing, before the kill and the rerun
    assert stage_logged <= first.info.end_time <= killed_at_ms < second.info.start_time
    assert second.info.status == "FINISHED" and second.info.run_name == "preprocessing · demo"
    assert not [r for r in runs_of(project) if r.info.status == "RUNNING"]


def test_a_child_kedro_run_logs_into_its_own_project_after_an_in_process_session(tmp_path):
    """mlflow.set_tracking_uri() exports MLFLOW_TRACKING_URI into this process's environment; the project's tracking
    URI is what the process was *started* with (settings.LAUNCH_TRACKING_URI), so a later session of another project
    in the same process, and a child `kedro run` given a clean environment, log into their own store."""
    import mlflow

    from phadtf_kedro import LAUNCH_TRACKING_URI

    other = tmp_path / "other.db"
    mlflow.set_tracking_uri(f"sqlite:///{other}")
    try:
        assert os.environ["MLFLOW_TRACKING_URI"] == f"sqlite:///{other}"  # what MLflow does
        assert LAUNCH_TRACKING_URI != f"sqlite:///{other}"
        project = make_project(tmp_path / "project")
        run_session(project, "demo_sample")
        assert runs_of(project) and not other.exists()
    finally:
        mlflow.set_tracking_uri(None)
