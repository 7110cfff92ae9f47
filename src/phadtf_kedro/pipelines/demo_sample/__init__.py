"""demo_sample: write the embedded demo person's video (data/01_raw/videos/demo.mp4), offline and deterministic."""

from phadtf_kedro.pipelines.demo_sample.pipeline import create_pipeline

__all__ = ["create_pipeline"]
