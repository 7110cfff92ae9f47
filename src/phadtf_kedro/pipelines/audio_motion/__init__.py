"""Audio → motion: ATCNet predicts expression and the person's head pose from MFCC windows; per-person fine-tuning."""

from phadtf_kedro.pipelines.audio_motion.pipeline import create_pipeline

__all__ = ["create_pipeline"]
