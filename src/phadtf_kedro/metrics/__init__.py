"""Quality figures: tracking jitter and (later) PSNR/SSIM, LMD, head-pose similarity."""
