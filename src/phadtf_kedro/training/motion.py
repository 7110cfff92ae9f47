"""Training ATCNet on audio → (expression, pose) clips, with checkpoint/resume, and its held-out evaluation.

Loss (PHADTF's `--less_constrain --smooth_loss`): MSE(expression) + 0.2 · MSE(pose) + 0.01 · smooth(pose)
+ 1e-4 · smooth(expression), where smooth(x) is the mean squared frame-to-frame difference of the prediction; all in
the model's standardized target units. Clips of 16 consecutive frames, batch 16, Adam β = (0.5, 0.999).

An epoch visits every clip start (every `clip_stride` frames of every training sequence) in an order drawn from
(seed, epoch), so a run resumed from a mid-epoch checkpoint replays exactly the batches it had not done.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.progress import Progress
from phadtf_kedro.training.checkpoint import load_checkpoint, read_meta, save_checkpoint

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainConfig:
    epochs: int = 100
    lr: float = 1e-4
    beta1: float = 0.5
    beta2: float = 0.999
    batch_size: int = 16
    clip_frames: int = 16
    clip_stride: int = 8
    pose_weight: float = 0.2
    smooth_pose: float = 0.01
    smooth_expression: float = 1e-4
    weight_decay: float = 0.0
    velocity: float = 0.0  # weight of MSE(Δpredicted − Δreal): rewards moving when the real face moves (FACIAL)
    steps: int = 0  # > 0: train exactly this many optimizer steps (epochs is then ignored)
    lr_schedule: str = "constant"  # constant | cosine (from lr down to lr/100 over the run's steps)
    trainable: str = "all"  # all | head: only the output layer learns, the rest (batch norm included) stays frozen
    checkpoint_every: int = 25  # steps
    seed: int = 0

    def total_steps(self, batches_per_epoch: int) -> int:
        return self.steps if self.steps > 0 else self.epochs * batches_per_epoch

    def lr_at(self, step: int, total: int) -> float:
        """The learning rate of optimizer step `step` (0-based): a pure function of the step, so a resumed run
        continues the schedule exactly."""
        if self.lr_schedule == "constant":
            return self.lr
        if self.lr_schedule == "cosine":
            return self.lr * (0.01 + 0.99 * 0.5 * (1.0 + np.cos(np.pi * min(step / max(total, 1), 1.0))))
        raise ValueError(f"lr_schedule {self.lr_schedule!r}: constant or cosine")


@dataclass
class Sequences:
    """Training material: per sequence (person or utterance) MFCC windows (T, 28, 12) and targets (T, 58)."""

    windows: list[np.ndarray]
    targets: list[np.ndarray]

    def clip_starts(self, clip_frames: int, stride: int) -> list[tuple[int, int]]:
        return [(i, s) for i, w in enumerate(self.windows) for s in range(0, len(w) - clip_frames + 1, stride)]

    def stats(self, n_expression: int = 52) -> tuple[torch.Tensor, torch.Tensor]:
        """Per-column mean; one shared std per group (expression scores, pose angles, translation), so that within a
        group the loss keeps the natural weighting (mouth blendshapes vary more than a blink's and matter more)."""
        stacked = np.concatenate(self.targets).astype(np.float64)
        std = np.empty(stacked.shape[1])
        for group in (slice(0, n_expression), slice(n_expression, n_expression + 3), slice(n_expression + 3, None)):
            std[group] = np.sqrt(np.mean(stacked[:, group].var(axis=0)))
        return torch.as_tensor(stacked.mean(0), dtype=torch.float32), torch.as_tensor(std, dtype=torch.float32)


def motion_loss(model: ATCNet, predicted: torch.Tensor, targets: torch.Tensor, cfg: TrainConfig) -> dict:
    """Loss terms on standardized (B, T, 58) predictions against raw-unit targets."""
    n_expr = model.config.n_expression
    target = model.standardize(targets)
    expr = torch.mean((predicted[..., :n_expr] - target[..., :n_expr]) ** 2)
    pose = torch.mean((predicted[..., n_expr:] - target[..., n_expr:]) ** 2)
    d = predicted[:, 1:] - predicted[:, :-1]
    smooth_expr, smooth_pose = torch.mean(d[..., :n_expr] ** 2), torch.mean(d[..., n_expr:] ** 2)
    total = expr + cfg.pose_weight * pose + cfg.smooth_pose * smooth_pose + cfg.smooth_expression * smooth_expr
    terms = {"loss": total, "expression_mse": expr, "pose_mse": pose}
    if cfg.velocity > 0:
        dv = d - (target[:, 1:] - target[:, :-1])
        velocity = torch.mean(dv[..., :n_expr] ** 2) + cfg.pose_weight * torch.mean(dv[..., n_expr:] ** 2)
        terms.update(loss=total + cfg.velocity * velocity, velocity_mse=velocity)
    return terms


def train(model: ATCNet, data: Sequences, cfg: TrainConfig, checkpoint: str | Path,
          meta: dict[str, Any] | None = None, on_epoch: Callable[[int, dict], None] | None = None,
          validation: Sequences | None = None, parallel: Any = None) -> dict[str, Any]:
    """Train in place, resuming from `checkpoint` if it exists and was made for the same `meta` (data fingerprint,
    settings); checkpoints every `checkpoint_every` steps and at each epoch's end. `on_epoch(epoch, mean losses)` is
    called after each epoch. With `validation` sequences, the weights of the epoch with the lowest validation loss are
    kept beside the checkpoint and restored at the end (early stopping: a person's 12 s overfit quickly).
    With `parallel` (a training.distributed.Parallel: one rank of a data-parallel run) this process computes its share
    of every batch through the DDP-wrapped model, and only rank 0 writes checkpoints; without it nothing changes.
    Returns where it started, the number of steps and the epoch kept."""
    if parallel is not None and validation is not None:
        raise ValueError("data-parallel training does not support validation sequences")
    writer = parallel is None or parallel.rank == 0
    torch.manual_seed(cfg.seed)
    if cfg.trainable not in ("all", "head"):
        raise ValueError(f"trainable {cfg.trainable!r}: all or head")
    learning = list(model.parameters() if cfg.trainable == "all" else model.head.parameters())
    optimizer = torch.optim.Adam(learning, lr=cfg.lr, betas=(cfg.beta1, cfg.beta2), weight_decay=cfg.weight_decay)
    set_mode = (lambda: model.train()) if cfg.trainable == "all" else (lambda: model.eval())
    frozen = [p for p in model.parameters() if p.requires_grad and all(p is not q for q in learning)]
    for p in frozen:
        p.requires_grad_(False)
    config = model.config.to_dict()
    epoch, done_in_epoch, step, resumed, best = 0, 0, 0, None, {"best_val": float("inf"), "best_epoch": 0}
    best_path = Path(checkpoint).with_suffix(".best.safetensors")
    base_meta = {"config": config, **(meta or {})}
    if Path(checkpoint).is_file() and _same_run(read_meta(checkpoint), base_meta):
        state = load_checkpoint(checkpoint, model, config, optimizer)
        epoch, done_in_epoch, step, resumed = state["epoch"], state["batches_done"], state["step"], state["step"]
        best = {k: state.get(k, v) for k, v in best.items()}
        log.info("resuming ATCNet training from %s (epoch %d, step %d)", checkpoint, epoch, step)
    else:
        if writer:
            best_path.unlink(missing_ok=True)  # a best-epoch file of an earlier, different run
        if validation is not None:  # the starting weights are a candidate too (epoch 0)
            best = {"best_val": _validation_loss(model, validation, cfg), "best_epoch": 0}
            save_checkpoint(best_path, model, {**base_meta, **best})
    clips = data.clip_starts(cfg.clip_frames, cfg.clip_stride)
    if not clips:
        raise ValueError(f"no training clip of {cfg.clip_frames} frames")
    windows = [torch.as_tensor(w, dtype=torch.float32) for w in data.windows]
    targets = [torch.as_tensor(t, dtype=torch.float32) for t in data.targets]
    set_mode()
    device = next(model.parameters()).device
    per_epoch = -(-len(clips) // cfg.batch_size)
    total = cfg.total_steps(per_epoch)
    progress = Progress(log, "ATCNet training", -(-total // per_epoch), "epochs", every=0.0)
    while step < total:
        order = np.random.default_rng([cfg.seed, epoch]).permutation(len(clips))
        batches = [order[i:i + cfg.batch_size] for i in range(0, len(order), cfg.batch_size)]
        batches = batches[:total - (step - done_in_epoch)]  # the last epoch of a step budget stops early
        sums: dict[str, float] = {}
        for b in range(done_in_epoch, len(batches)):
            for group in optimizer.param_groups:
                group["lr"] = cfg.lr_at(step, total)
            picked = [clips[i] for i in batches[b]]
            if parallel is None:
                terms = _batch_loss(model, model, windows, targets, picked, cfg, device)
                objective = terms["loss"]
            else:
                objective, terms = _share_loss(model, parallel, windows, targets, picked, cfg, device)
            optimizer.zero_grad()
            objective.backward()
            optimizer.step()
            step += 1
            for k, v in terms.items():
                sums[k] = sums.get(k, 0.0) + float(v.detach())
            if writer and step % cfg.checkpoint_every == 0 and b + 1 < len(batches):
                save_checkpoint(checkpoint, model, {**base_meta, **best, "epoch": epoch, "batches_done": b + 1,
                                                    "step": step}, optimizer)
        n_done = len(batches) - done_in_epoch
        epoch, done_in_epoch = epoch + 1, 0
        losses = {k: v / max(n_done, 1) for k, v in sums.items()}
        if validation is not None:
            losses["val_loss"] = _validation_loss(model, validation, cfg)
            if losses["val_loss"] < best["best_val"]:
                best = {"best_val": losses["val_loss"], "best_epoch": epoch}
                save_checkpoint(best_path, model, {**base_meta, **best})
            set_mode()
        if writer:
            save_checkpoint(checkpoint, model, {**base_meta, **best, "epoch": epoch, "batches_done": 0, "step": step},
                            optimizer)
            progress.update(epoch, f"loss {losses.get('loss', float('nan')):.4f}")
        if on_epoch and n_done:
            on_epoch(epoch, losses)
            set_mode()
    for p in frozen:
        p.requires_grad_(True)
    if validation is not None and best_path.is_file():
        load_checkpoint(best_path, model, config)
    model.eval()
    return {"resumed_from_step": resumed, "steps": step, "kept_epoch": best["best_epoch"] if validation else epoch}


def _batch_loss(model: ATCNet, forward: torch.nn.Module, windows: list[torch.Tensor], targets: list[torch.Tensor],
                picked: list[tuple[int, int]], cfg: TrainConfig, device: torch.device) -> dict:
    """The loss terms of the clips `picked` ((sequence, start) pairs), run through `forward` (the model, or its DDP
    wrapper)."""
    x = torch.stack([windows[p][s:s + cfg.clip_frames] for p, s in picked]).to(device)
    y = torch.stack([targets[p][s:s + cfg.clip_frames] for p, s in picked]).to(device)
    return motion_loss(model, forward(x), y, cfg)


def _share_loss(model: ATCNet, parallel: Any, windows: list[torch.Tensor], targets: list[torch.Tensor],
                picked: list[tuple[int, int]], cfg: TrainConfig, device: torch.device) -> tuple[torch.Tensor, dict]:
    """This rank's objective for one global batch (its share's loss weighted so that DDP's gradient average is the
    batch mean's gradient) and the batch's loss terms, all-reduced (what one process would report)."""
    start, stop = parallel.share(len(picked))
    mine = picked[start:stop]
    if mine:
        terms = _batch_loss(model, parallel.module, windows, targets, mine, cfg, device)
    else:  # fewer clips than ranks: one clip with weight 0, left out of the batch statistics too
        with parallel.uncounted(model):
            terms = _batch_loss(model, parallel.module, windows, targets, picked[:1], cfg, device)
    share = len(mine) / len(picked)
    reported = parallel.all_sum(torch.stack([v.detach() for v in terms.values()]) * share)
    return terms["loss"] * (share * parallel.world_size), dict(zip(terms, reported))


def _validation_loss(model: ATCNet, validation: Sequences, cfg: TrainConfig) -> float:
    return float(np.mean([heldout_loss(model, w, t, cfg)["loss"] for w, t in zip(validation.windows,
                                                                                  validation.targets)]))


def _same_run(saved: dict[str, Any], current: dict[str, Any]) -> bool:
    """A resume checkpoint belongs to this run when everything but the progress counters matches."""
    progress = {"epoch", "batches_done", "step", "optimizer_param_groups", "best_val", "best_epoch"}
    same = all(saved.get(k) == v for k, v in current.items())
    if not same:
        log.info("resume checkpoint is from a different run (data or settings changed): starting over")
    return same and set(saved) - progress <= set(current)


@torch.no_grad()
def heldout_loss(model: ATCNet, windows: np.ndarray, targets: np.ndarray, cfg: TrainConfig) -> dict[str, float]:
    """The training loss on one whole held-out sequence, driven by its own audio."""
    model.eval()
    predicted = model(torch.as_tensor(windows, dtype=torch.float32)[None])
    return {k: float(v) for k, v in motion_loss(model, predicted, torch.as_tensor(targets)[None].float(), cfg).items()}
