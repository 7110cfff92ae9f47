"""Generation: from predicted motion to frames — plan (coefficients + pose-matched backgrounds), then a streamed
render → blend → GAN refinement → paste-back, chunk by chunk, so any length of audio fits in bounded memory."""
