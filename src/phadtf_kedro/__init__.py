"""phadtf_kedro: audio-driven talking-face video with learned personalized head pose (PHADTF), as a Kedro project."""

__version__ = "0.1.0"
