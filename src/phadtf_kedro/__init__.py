"""phadtf_kedro: audio-driven talking-face video with learned personalized head pose (PHADTF), as a Kedro project."""

__version__ = "0.1.0"

# The tracking server this process was started with (settings.py's `${tracking_uri:…}`), read before anything in it
# calls mlflow.set_tracking_uri(), which exports MLFLOW_TRACKING_URI to the environment of the process itself.
import os as _os  # noqa: E402

LAUNCH_TRACKING_URI = _os.environ.get("MLFLOW_TRACKING_URI") or None
