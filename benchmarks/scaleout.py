"""Scale-out figures: 4 persons (tiny preset) fine-tuned one after another vs by the Airflow DAG two at a time, and
train_general's throughput on 1 vs 2 data-parallel ranks.

    python benchmarks/scaleout.py                 # 31 + 3 corpus speakers; needs `make airflow` and PostgreSQL
    python benchmarks/scaleout.py --persons 31 vox2_741400163 --epochs 2

Both variants report to one MLflow server on a private PostgreSQL (phadtf_kedro.scaleout.services), as a studio would.
Sequential: `kedro run --pipelines=finetune` per person, then `--pipelines=train_general`, each process with 2 threads.
DAG: `airflow dags test phadtf_persons` with the LocalExecutor, 2 finetune tasks at a time with 1 thread each (the same
2 threads in use), then train_general. Same code, same persons, separate project copies.
DDP: the train_general node on the persons the sequential variant produced, `--epochs` epochs, 1 rank × 2 threads vs
2 ranks × 1 thread; clips per second = steps × batch / wall time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import KEDRO, ROOT, SHARED_DATA, VIDEO_31, add_video, base_params, make_project

from phadtf_kedro.video.ffmpeg import probe

CORPUS = SHARED_DATA / "corpus"
DEFAULT_PERSONS = ("31", "vox2_741400163", "vox2_00098", "vox2_681100216")


def person_entry(person: str) -> tuple[Path, dict]:
    """The clip and DAG entry of a person: corpus clips shorter than 12 s train on their first 60 % (as quality.py)."""
    if person == "31":
        return VIDEO_31, {"person_id": person}
    clip = CORPUS / f"{person}.mp4"
    duration = probe(clip).duration
    if duration >= 13:  # the default split (12 s to learn from) leaves something held out
        return clip, {"person_id": person}
    train = round(0.6 * duration, 2)
    return clip, {"person_id": person, "params": {"preprocessing.min_seconds": train,
                                                  "reconstruction.train_seconds": train}}


def project_with(root: Path, entries: dict[str, tuple[Path, dict]]) -> Path:
    project = make_project(root)
    for person, (clip, _) in entries.items():
        add_video(project, person, clip)
    return project


def kedro(project: Path, env: dict, *args: str) -> None:
    done = subprocess.run([KEDRO, "run", *args], cwd=project, env=env, capture_output=True, text=True, timeout=3600)
    if done.returncode:
        sys.exit(f"kedro run {' '.join(args)} failed:\n{(done.stdout + done.stderr)[-4000:]}")


def sequential(project: Path, entries: dict, env: dict) -> float:
    start = time.perf_counter()
    for entry in (e for _, e in entries.values()):
        extra = [f"{k}={v}" for k, v in entry.get("params", {}).items()]
        params = ",".join([f"person_id={entry['person_id']}", *extra])
        kedro(project, env, "--pipelines=finetune", "--env=tiny", "--params", params)
    kedro(project, env, "--pipelines=train_general", "--env=tiny")
    return time.perf_counter() - start


def with_dag(root: Path, project: Path, entries: dict, env: dict) -> float:
    from phadtf_kedro.scaleout.local_airflow import LocalAirflow

    with LocalAirflow(root / "airflow-home", project, parallel=2, env={**env, "PHADTF_THREADS": "1"}) as airflow:
        start = time.perf_counter()
        airflow.test("phadtf_persons", {"persons": [e for _, e in entries.values()], "env": "tiny"}, timeout=3600)
        return time.perf_counter() - start


def ddp_throughput(project: Path, persons: list[str], epochs: int, world_size: int) -> tuple[float, float]:
    """Clips per second and the final loss of train_general's node on the persons' features."""
    import torch
    import yaml

    from phadtf_kedro.datasets import NpzDataset
    from phadtf_kedro.pipelines.train_general.nodes import general_sequences, train_general_atcnet

    torch.set_num_threads(2)
    feats = project / "data" / "04_feature"
    load = {n: {p: NpzDataset(filepath=str(feats / p / f"{n}.npz")).load for p in persons}
            for n in ("coefficients", "mfcc_windows")}
    params = {**base_params("train_general"), "epochs": epochs, "world_size": world_size, "checkpoint_every": 10**6}
    network = yaml.safe_load((ROOT / "conf" / "base" / "parameters_audio_motion.yml").read_text())["audio_motion"]
    sequences = general_sequences(load["coefficients"], load["mfcc_windows"], params)
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        _, _, report = train_general_atcnet(sequences, Path(tmp) / "resume.safetensors", network["network"], params)
        wall = time.perf_counter() - start
    return report["steps"] * params["batch_size"] / wall, report["final_loss"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--persons", nargs="+", default=list(DEFAULT_PERSONS))
    parser.add_argument("--epochs", type=int, default=3, help="train_general epochs for the DDP throughput")
    args = parser.parse_args()
    from phadtf_kedro.scaleout.services import MlflowServer, PostgresCluster

    entries = {p: person_entry(p) for p in args.persons}
    quiet = {"KEDRO_DISABLE_TELEMETRY": "true", "DO_NOT_TRACK": "1"}
    with tempfile.TemporaryDirectory(prefix="phadtf-scaleout-") as tmp, PostgresCluster() as pg:
        root = Path(tmp)
        with MlflowServer(pg.create_database("mlflow"), root / "artifacts", root / "mlflow.log") as server:
            env = {**os.environ, **quiet, "MLFLOW_TRACKING_URI": server.uri}
            seq_project = project_with(root / "sequential", entries)
            seq = sequential(seq_project, entries, {**env, "OMP_NUM_THREADS": "2", "MKL_NUM_THREADS": "2"})
            print(f"sequential: {len(entries)} finetunes + train_general, one process at a time × 2 threads: "
                  f"{seq:.0f} s", flush=True)
            dag = with_dag(root, project_with(root / "dag", entries), entries,
                           {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MLFLOW_TRACKING_URI": server.uri, **quiet})
            print(f"DAG (LocalExecutor, 2 tasks at a time × 1 thread): {dag:.0f} s = {dag / seq:.2f}× sequential",
                  flush=True)
        one, loss_one = ddp_throughput(seq_project, list(entries), args.epochs, 1)
        two, loss_two = ddp_throughput(seq_project, list(entries), args.epochs, 2)
        print(f"train_general ({len(entries)} persons, {args.epochs} epochs, small network): 1 rank × 2 threads "
              f"{one:.0f} clips/s (final loss {loss_one:.4f}); 2 ranks × 1 thread {two:.0f} clips/s "
              f"(final loss {loss_two:.4f}) = {two / one:.2f}×")
    print(f"machine: {os.cpu_count()} CPUs, load average at the end {os.getloadavg()[0]:.1f} "
          "(other jobs share it: see docs/scale_out.md)")


if __name__ == "__main__":
    main()
