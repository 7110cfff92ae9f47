"""Kedro settings: hooks (person_id guard, missing-input guard, MLflow) and the config loader.

kedro-mlflow's hooks are registered here explicitly (and not auto-discovered) so that their order is ours: the
person_id guard runs first, before kedro-mlflow touches mlflow.db; RunTrackingHook (run name, tags, stage times, stale
runs) runs after kedro-mlflow's hooks (its own tryfirst/trylast marks), once kedro-mlflow has set up the store.
"""

from pathlib import Path

from kedro.config import OmegaConfigLoader
from kedro_mlflow.framework.hooks import MlflowHook

from phadtf_kedro import LAUNCH_TRACKING_URI
from phadtf_kedro.hooks import MissingInputsHook, PersonIdHook
from phadtf_kedro.scaleout.experiment import ExperimentHook
from phadtf_kedro.tracking import RunTrackingHook

# pluggy calls tryfirst hooks last-registered first: PersonIdHook, then ExperimentHook (creates the MLflow experiment,
# tolerating a concurrent creation), then kedro-mlflow's hook, which then finds it.
HOOKS = (MlflowHook(), ExperimentHook(), PersonIdHook(), MissingInputsHook(), RunTrackingHook())
DISABLE_HOOKS_FOR_PLUGINS = ("kedro-mlflow", "kedro_mlflow")  # the wheel names itself kedro_mlflow

CONFIG_LOADER_CLASS = OmegaConfigLoader
CONFIG_LOADER_ARGS = {
    "base_env": "base",
    "default_run_env": "local",
    # presets (`--env tiny`, …) list only the parameters they change; the rest come from conf/base
    "merge_strategy": {"parameters": "soft"},
    # `${project_dir:}`: the folder `kedro run` runs in (the project root). mlflow.yml uses it to make the SQLite
    # store's path absolute: MLflow caches one store per URI string, so a relative `sqlite:///mlflow.db` would keep
    # writing into the first project's database when one process runs sessions of several projects (tests, notebooks).
    # `${tracking_uri:<default>}`: $MLFLOW_TRACKING_URI as the process was started with, else the default (mlflow.yml's
    # SQLite store). Kedro allows `oc.env` only in credentials, so without this a tracking server would need an edit
    # of conf/base. Read once, at import: mlflow.set_tracking_uri() itself exports MLFLOW_TRACKING_URI, so a later
    # session in the same process (another project) would otherwise log into the first one's store.
    "custom_resolvers": {"project_dir": lambda: Path.cwd().resolve().as_posix(),
                         "tracking_uri": lambda default: LAUNCH_TRACKING_URI or default},
}
