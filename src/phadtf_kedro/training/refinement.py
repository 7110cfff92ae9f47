"""Training the memory-augmented refinement GAN on a person's blended training frames, with checkpoint/resume.

Each sample is three consecutive blended frames (t−1, t, t+1; 9 channels) and the real crop t. Augmentation as the
paper: resize to `load_size` then a random `size` crop (the same for input and target), random horizontal flip.

The refiner starts as "output = input" and learns a correction (issue 14: a from-scratch generator pushed to repaint
made frames worse): its image head is a residual on the input that starts at zero (generator.py), the mask penalty
that pushes the attention towards the generated image ramps up from 0 over `mask_warmup_epochs`, and the adversarial term joins after `l1_warmup_epochs` of L1 (+
SSIM) alone. The identity in the generator's AdaIN is the person's own learned constant (`RefinementGAN.identity`):
it never sees the target frame, so nothing leaks from it (PHADTF embedded the real target, which the memory then has
to stand in for at test time). The key encoder embeds the input (the memory's query); the memory learns
(query → identity) and supplies the identity at test time, as in PHADTF.

Losses: discriminator — least-squares real/fake on PatchGAN scores; generator — adversarial (after the warm-up)
+ `l1_weight` · L1 + `ssim_weight` · (1 − SSIM) + `mask_weight` · ramp · mean(attention) + `tv_weight` ·
TV(attention) + `memory_weight` · memory triplet loss.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from phadtf_kedro.models.losses import adversarial, mask_penalty, ssim, total_variation
from phadtf_kedro.models.refinement_gan import RefinementGAN, to_tensor, triples
from phadtf_kedro.progress import Progress
from phadtf_kedro.training.checkpoint import load_checkpoint, read_meta, save_checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class GANTrainConfig:
    epochs: int = 10
    lr: float = 2e-4
    beta1: float = 0.5
    batch_size: int = 1
    load_size: int = 142  # resize before the random crop (pix2pix: 286 for 256)
    l1_weight: float = 100.0
    mask_weight: float = 2.0
    tv_weight: float = 1e-5
    memory_weight: float = 1.0
    ssim_weight: float = 10.0
    mask_warmup_epochs: int = 5  # the mask penalty ramps linearly from 0 to mask_weight over these epochs
    l1_warmup_epochs: int = 1  # epochs of reconstruction losses only, before the adversarial term joins
    checkpoint_every: int = 50
    seed: int = 0


def train_gan(model: RefinementGAN, blended: np.ndarray, real: np.ndarray, cfg: GANTrainConfig,
              checkpoint: str | Path, meta: dict[str, Any] | None = None,
              on_epoch: Callable[[int, dict], None] | None = None) -> dict[str, Any]:
    """Train on aligned (N, H, W, 3) uint8 blended and real frames (consecutive), resuming from `checkpoint` when it
    was made with the same configuration and `meta` (e.g. which frames)."""
    torch.manual_seed(cfg.seed)
    size = model.config.size
    inputs, targets = to_tensor(blended, cfg.load_size), to_tensor(real, cfg.load_size)
    centers = np.arange(1, len(inputs) - 1)  # frames with both neighbours (the paper: training frames 2…299)
    gen_params = [*model.generator.parameters(), *model.key_encoder.parameters(), model.identity]
    optimizers = {"generator": torch.optim.Adam(gen_params, lr=cfg.lr, betas=(cfg.beta1, 0.999)),
                  "discriminator": torch.optim.Adam(model.discriminator.parameters(), lr=cfg.lr,
                                                    betas=(cfg.beta1, 0.999))}
    config = asdict(model.config)
    base = {"config": config, "train": asdict(cfg), **(meta or {})}
    epoch, done, step, resumed = 0, 0, 0, None
    if Path(checkpoint).is_file() and all(read_meta(checkpoint).get(k) == v for k, v in base.items()):
        state = load_checkpoint(checkpoint, model, config, optimizers)
        epoch, done, step, resumed = state["epoch"], state["batches_done"], state["step"], state["step"]
    model.train()
    progress = Progress(log, "GAN training", cfg.epochs * len(centers), "frames")
    while epoch < cfg.epochs:
        rng = np.random.default_rng([cfg.seed, epoch])
        order = rng.permutation(centers)
        crops = rng.integers(0, cfg.load_size - size + 1, size=(len(order), 2))
        flips = rng.random(len(order)) < 0.5
        batches = [np.arange(i, min(i + cfg.batch_size, len(order))) for i in range(0, len(order), cfg.batch_size)]
        sums: dict[str, float] = {}
        for b in range(done, len(batches)):
            x, y = _batch(inputs, targets, order, crops, flips, batches[b], size)
            losses = _step(model, optimizers, x, y, cfg, epoch)
            step += 1
            for k, v in losses.items():
                sums[k] = sums.get(k, 0.0) + v
            progress.update(epoch * len(centers) + int(batches[b][-1]) + 1, f"epoch {epoch + 1}/{cfg.epochs}, "
                            f"L1 {losses['l1']:.3f}")
            if step % cfg.checkpoint_every == 0 and b + 1 < len(batches):
                save_checkpoint(checkpoint, model, {**base, "epoch": epoch, "batches_done": b + 1, "step": step},
                                optimizers)
        n_done = len(batches) - done
        epoch, done = epoch + 1, 0
        save_checkpoint(checkpoint, model, {**base, "epoch": epoch, "batches_done": 0, "step": step}, optimizers)
        if on_epoch and n_done:
            on_epoch(epoch, {k: v / n_done for k, v in sums.items()})
            model.train()
    model.eval()
    return {"resumed_from_step": resumed, "steps": step}


def _batch(inputs, targets, order, crops, flips, rows, size):
    xs, ys = [], []
    for r in rows:
        c, (top, left) = int(order[r]), crops[r]
        x = triples(inputs, np.array([c]))[0, :, top:top + size, left:left + size]
        y = targets[c, :, top:top + size, left:left + size]
        if flips[r]:
            x, y = x.flip(-1), y.flip(-1)
        xs.append(x)
        ys.append(y)
    return torch.stack(xs), torch.stack(ys)


def _step(model: RefinementGAN, optimizers: dict, x: torch.Tensor, y: torch.Tensor, cfg: GANTrainConfig,
          epoch: int) -> dict:
    identity = model.identity.expand(len(x), -1)
    query = model.key_encoder(x)
    memory_loss = model.memory.loss(query, identity.detach())
    out, _, attention = model.generator(x, identity)

    d_real = model.discriminator(torch.cat([x, y], 1))
    d_fake = model.discriminator(torch.cat([x, out.detach()], 1))
    loss_d = 0.5 * (adversarial(d_real, True) + adversarial(d_fake, False))
    optimizers["discriminator"].zero_grad()
    loss_d.backward()
    optimizers["discriminator"].step()

    l1 = F.l1_loss(out, y)
    ramp = min(1.0, epoch / cfg.mask_warmup_epochs) if cfg.mask_warmup_epochs > 0 else 1.0
    adv_weight = 0.0 if epoch < cfg.l1_warmup_epochs else 1.0
    loss_g = (adv_weight * adversarial(model.discriminator(torch.cat([x, out], 1)), True) + cfg.l1_weight * l1
              + cfg.ssim_weight * (1.0 - ssim(out, y)) + cfg.mask_weight * ramp * mask_penalty(attention)
              + cfg.tv_weight * total_variation(attention) + cfg.memory_weight * memory_loss)
    optimizers["generator"].zero_grad()
    loss_g.backward()
    optimizers["generator"].step()
    model.memory.update(query, identity)
    return {"loss_g": float(loss_g.detach()), "loss_d": float(loss_d.detach()), "l1": float(l1.detach()),
            "memory": float(memory_loss.detach()), "attention": float(attention.detach().mean())}
