"""evaluation: the person's held-out part generated from its own audio, next to baselines; PSNR, SSIM, LMD, pose RMSE,
HS and the sync proxy in one table."""

from phadtf_kedro.pipelines.evaluation.pipeline import create_pipeline

__all__ = ["create_pipeline"]
