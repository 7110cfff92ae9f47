"""The project's MLflow experiment, created once and safely when several processes start at the same moment.

kedro-mlflow 2.0.3 looks the experiment up and creates it when missing; two `kedro run`s that start together against a
fresh tracking server both see "missing", one creation wins and the other crashes with RESOURCE_ALREADY_EXISTS (plain
MLflow's `set_experiment` instead leaves the loser's runs in the Default experiment). `ExperimentHook` runs before
kedro-mlflow's hook and creates the experiment tolerating that race, so kedro-mlflow always finds it. The Airflow DAG
also creates it once, before fanning out (`python -m phadtf_kedro.scaleout.experiment`).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path

import mlflow
from kedro.framework.hooks import hook_impl
from mlflow.exceptions import MlflowException

log = logging.getLogger(__name__)
MLFLOW_PATTERNS = ["mlflow*", "mlflow*/**", "**/mlflow*"]  # kedro-mlflow's own patterns for mlflow.yml


def ensure_experiment(client: mlflow.MlflowClient, name: str, attempts: int = 5) -> str:
    """The id of experiment `name`, created if missing; a creation lost to another process is looked up again.
    A deleted experiment is left to kedro-mlflow (`restore_if_deleted`)."""
    for attempt in range(attempts):
        found = client.get_experiment_by_name(name)
        if found is not None:
            return found.experiment_id
        try:
            return client.create_experiment(name)
        except MlflowException as error:  # RESOURCE_ALREADY_EXISTS, or a store's unique-constraint error
            log.info("experiment %r was created by another process meanwhile (%s)", name, error.error_code)
            time.sleep(0.1 * (attempt + 1))
    raise MlflowException(f"experiment {name!r}: neither found nor created after {attempts} attempts")


def mlflow_settings(config_loader) -> tuple[str, str]:
    """The tracking URI and experiment name the run will use, as kedro-mlflow reads them from mlflow.yml."""
    if "mlflow" not in config_loader.config_patterns:
        config_loader.config_patterns.update({"mlflow": MLFLOW_PATTERNS})
    conf = config_loader["mlflow"]
    uri = conf.get("server", {}).get("mlflow_tracking_uri") or os.environ.get("MLFLOW_TRACKING_URI", "mlruns")
    name = conf.get("tracking", {}).get("experiment", {}).get("name") or "phadtf_kedro"
    return uri, name


class ExperimentHook:
    """Creates the run's experiment before kedro-mlflow looks for it (settings.py registers it to run after the
    person_id guard and before kedro-mlflow's hook)."""

    @hook_impl(tryfirst=True)
    def after_context_created(self, context) -> None:
        if mlflow.active_run() is not None:  # an orchestrator opened the run: kedro-mlflow reuses it as it is
            return
        uri, name = mlflow_settings(context.config_loader)
        ensure_experiment(mlflow.MlflowClient(tracking_uri=uri), name)


def main(project: str | None = None, env: str | None = None) -> str:
    """Create the project's experiment once (the DAG's first task); prints and returns its id."""
    from kedro.framework.session import KedroSession
    from kedro.framework.startup import bootstrap_project

    path = Path(project or Path.cwd()).resolve()
    bootstrap_project(path)
    with KedroSession.create(project_path=path, env=env) as session:
        uri, name = mlflow_settings(session.load_context().config_loader)
    experiment_id = ensure_experiment(mlflow.MlflowClient(tracking_uri=uri), name)
    print(f"experiment {name!r} = {experiment_id} at {uri.split('@')[-1]}")
    return experiment_id


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("--env", default=None)
    main(env=parser.parse_args().env)
