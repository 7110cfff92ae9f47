"""Run the project's Airflow DAG on this machine, without a scheduler service: `airflow dags test`.

Airflow 3 runs in its own venv (`make airflow` → .venv-airflow) so that its dependency pins cannot move the project's.
`LocalAirflow` gives it a throwaway AIRFLOW_HOME (SQLite metadata, the project's airflow/dags folder) and runs one DAG
run. Serially (`parallel=1`), `dags test` runs each task in its own process, one after another. With `parallel > 1`
it uses Airflow's LocalExecutor, whose task processes report to the Execution API: an `airflow api-server` is started
on 127.0.0.1 for that and stopped (by its PID) when the context ends. Used by tests/scaleout and benchmarks/scaleout.py.
"""

from __future__ import annotations

import json
import os
import secrets
import subprocess
import time
import urllib.request
from pathlib import Path

from phadtf_kedro.scaleout.processes import free_port, stop_group

ROOT = Path(__file__).resolve().parents[3]
AIRFLOW = Path(os.environ.get("PHADTF_AIRFLOW", ROOT / ".venv-airflow" / "bin" / "airflow"))
DAGS = ROOT / "airflow" / "dags"


class LocalAirflow:
    """A private Airflow 3 installation state in `home` running the DAGs of `dags` against `project`."""

    def __init__(self, home: Path, project: Path, parallel: int = 1, env: dict[str, str] | None = None,
                 dags: Path = DAGS, kedro: Path | None = None) -> None:
        if not AIRFLOW.is_file():
            raise FileNotFoundError(f"{AIRFLOW} not found: `make airflow` installs Airflow into .venv-airflow")
        self.home, self.parallel, self.api = Path(home), parallel, None
        self.home.mkdir(parents=True, exist_ok=True)
        self.env = {**os.environ, **(env or {}),
                    "AIRFLOW_HOME": str(self.home), "AIRFLOW__CORE__DAGS_FOLDER": str(dags),
                    "AIRFLOW__CORE__LOAD_EXAMPLES": "false", "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
                    "AIRFLOW__CORE__PARALLELISM": str(parallel), "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_hex(16),
                    "PHADTF_PROJECT": str(project), "PHADTF_PARALLEL": str(parallel),
                    "PHADTF_KEDRO": str(kedro or ROOT / ".venv" / "bin" / "kedro")}
        self.env.pop("PYTHONPATH", None)  # the project's test runner's path must not leak into Airflow's interpreter

    def __enter__(self) -> LocalAirflow:
        self.airflow("db", "migrate", timeout=300)
        if self.parallel > 1:
            self._start_api()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def airflow(self, *args: str, timeout: float) -> subprocess.CompletedProcess:
        """`airflow <args>` in this home; raises with the output's tail when it fails."""
        done = subprocess.run([str(AIRFLOW), *args], env=self.env, cwd=self.home, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode:
            tail = (done.stdout + done.stderr)[-6000:]
            raise RuntimeError(f"airflow {' '.join(args)} exited {done.returncode}:\n{tail}")
        return done

    def test(self, dag_id: str, conf: dict, timeout: float) -> subprocess.CompletedProcess:
        """One DAG run with `conf`, to the end; raises when a task failed."""
        args = ["dags", "test", dag_id, "--conf", json.dumps(conf)]
        return self.airflow(*args, *(["--use-executor"] if self.parallel > 1 else []), timeout=timeout)

    def task_logs(self) -> str:
        """Every task log of this home, concatenated (what the kedro runs printed)."""
        return "\n".join(p.read_text(errors="replace") for p in sorted((self.home / "logs").rglob("*.log")))

    def _start_api(self, timeout: float = 120.0) -> None:
        port = free_port()
        self.env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"] = f"http://127.0.0.1:{port}/execution/"
        log = open(self.home / "api-server.log", "wb")
        self.api = subprocess.Popen([str(AIRFLOW), "api-server", "--host", "127.0.0.1", "--port", str(port),
                                     "--workers", "1"], env=self.env, cwd=self.home, stdout=log, stderr=log,
                                    start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=2):
                    return
            except OSError:
                if self.api.poll() is not None:
                    break
                time.sleep(0.5)
        self.stop()
        raise RuntimeError(f"airflow api-server did not answer in {timeout:.0f} s; see {self.home / 'api-server.log'}")

    def stop(self) -> None:
        """Stop the api-server this object started (its process group: the server and its worker)."""
        stop_group(self.api)
        self.api = None
