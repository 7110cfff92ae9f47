"""A private PostgreSQL cluster and an MLflow tracking server on it, on 127.0.0.1, started and stopped by PID.

What a studio runs as shared services (docs/scale_out.md), made small enough for a test or a benchmark on one machine:
`PostgresCluster` is `initdb` + `pg_ctl` of Debian's PostgreSQL (run as the `postgres` user when we are root, as the
server refuses root) listening on 127.0.0.1 only, with trust authentication for that loopback; `MlflowServer` is
`mlflow server --backend-store-uri postgresql+psycopg://… --serve-artifacts` (clients send artifacts through it, so no
client needs the artifact store's credentials). MLflow ≥ 3.5 answers 403 to a Host header not in `--allowed-hosts`;
the server here allows exactly the address it listens on.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from phadtf_kedro.scaleout.processes import free_port, stop_group

MLFLOW = Path(os.environ.get("PHADTF_MLFLOW", Path(__file__).resolve().parents[3] / ".venv" / "bin" / "mlflow"))


def postgres_bin() -> Path | None:
    """Debian's PostgreSQL server programs (the newest installed), or None."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parts[-3]))
    return found[-1].parent if found else None


class PostgresCluster:
    """A throwaway PostgreSQL cluster in a fresh folder of /tmp, listening on 127.0.0.1:`port`."""

    def __init__(self, timeout: float = 60.0) -> None:
        self.bin = postgres_bin()
        if self.bin is None:
            raise FileNotFoundError("PostgreSQL not installed (Debian: apt-get install postgresql)")
        self.port, self.timeout = free_port(), timeout
        self.as_postgres = os.geteuid() == 0  # postgres refuses to run as root
        self.dir = Path(tempfile.mkdtemp(prefix="phadtf-pg-"))
        if self.as_postgres:
            shutil.chown(self.dir, "postgres", "postgres")

    def _run(self, program: str, *args: str) -> None:
        command = [str(self.bin / program), *args]
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        done = subprocess.run(command, capture_output=True, text=True, timeout=self.timeout, cwd="/tmp")
        if done.returncode:
            raise RuntimeError(f"{program} exited {done.returncode}: {done.stdout[-2000:]}{done.stderr[-2000:]}")

    def __enter__(self) -> PostgresCluster:
        data = self.dir / "data"
        self._run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.dir} -c fsync=off"
        try:
            self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(self.dir / "server.log"), "-w", "-t",
                      str(int(self.timeout)), "start")
        except BaseException:
            shutil.rmtree(self.dir, ignore_errors=True)
            raise
        return self

    def create_database(self, name: str) -> str:
        """A new database; returns its SQLAlchemy URL for psycopg 3."""
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", name)
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{name}"

    def __exit__(self, *exc) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.dir / "data"), "-m", "fast", "-w", "-t", str(int(self.timeout)), "stop")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class MlflowServer:
    """`mlflow server` on `backend_uri`, serving artifacts from `artifacts`, on 127.0.0.1; `uri` is its address."""

    def __init__(self, backend_uri: str, artifacts: Path, log: Path, workers: int = 2, timeout: float = 120.0) -> None:
        self.port, self.timeout = free_port(), timeout
        self.uri = f"http://127.0.0.1:{self.port}"
        self.command = [str(MLFLOW), "server", "--backend-store-uri", backend_uri, "--serve-artifacts",
                        "--artifacts-destination", str(artifacts), "--host", "127.0.0.1", "--port", str(self.port),
                        "--workers", str(workers), "--allowed-hosts", f"127.0.0.1:{self.port}"]
        self.log, self.process = log, None

    def __enter__(self) -> MlflowServer:
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(self.command, stdout=out, stderr=out, start_new_session=True)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                with urllib.request.urlopen(f"{self.uri}/health", timeout=2):
                    return self
            except OSError:
                time.sleep(0.5)
        self.__exit__()
        raise RuntimeError(f"mlflow server did not answer in {self.timeout:.0f} s:\n{self.log.read_text()[-3000:]}")

    def __exit__(self, *exc) -> None:
        """Stop the server's process group (its workers too), by the PID we started."""
        stop_group(self.process)
