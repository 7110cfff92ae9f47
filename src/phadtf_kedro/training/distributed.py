"""Data-parallel (DDP) training of ATCNet inside one Kedro node: `torch.multiprocessing.spawn` of `world_size` ranks.

Every rank takes a contiguous share of each global batch (the batches themselves are those of one process: the order
comes from (seed, epoch)), and gradients are averaged by DistributedDataParallel (gloo on CPU, NCCL on GPU). Three
things make the result that of one process with the same global batch, within float tolerance:
- each rank's loss is weighted by its share (n_rank · world / batch), so DDP's average is the batch mean even when the
  last batch of an epoch does not split evenly; a rank whose share is empty runs one clip with weight 0;
- ATCNet's BatchNorm layers normalise with the statistics of the whole global batch (`SyncBatchNorm2d`, all-reduced
  with autograd; torch's own SyncBatchNorm needs a GPU), and update their running statistics the same way;
- rank 0 alone writes checkpoints and reports losses (the all-reduced batch means), and its weights are returned.
Dropout draws independent masks per rank, so with dropout > 0 a run is equivalent in distribution, not bitwise.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import tempfile
import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch
import torch.distributed as dist
import torch.multiprocessing as mp
from torch import nn

from phadtf_kedro.training.motion import train


TIMEOUT = datetime.timedelta(minutes=10)  # a collective that waits longer fails the run instead of hanging it


@dataclass(frozen=True)
class Parallel:
    """This process's place in a data-parallel run, and the DDP-wrapped model to call forward on."""

    rank: int
    world_size: int
    module: nn.Module

    def share(self, n: int) -> tuple[int, int]:
        """This rank's contiguous [start, stop) of a batch of n (the first n % world ranks take one more)."""
        base, extra = divmod(n, self.world_size)
        start = self.rank * base + min(self.rank, extra)
        return start, start + base + (self.rank < extra)

    @staticmethod
    def uncounted(module: nn.Module):
        """See `uncounted`: this rank's input left out of the batch statistics (its weight-0 stand-in clip)."""
        return uncounted(module)

    def all_sum(self, values: torch.Tensor) -> torch.Tensor:
        values = values.detach().clone()
        dist.all_reduce(values)
        return values


class SyncBatchNorm2d(nn.BatchNorm2d):
    """BatchNorm2d whose training statistics are those of the whole global batch (all-reduces with autograd).
    `counted = False` leaves this rank's input out of the statistics (the weight-0 stand-in of an empty share).
    Its collectives go through `group`, a process group of their own: on DDP's group they would interleave with the
    reducer's asynchronous gradient buckets in an order that differs between ranks (mixed-up sums, or a hang)."""

    counted = True
    group = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if not self.training:
            return super().forward(x)
        from torch.distributed.nn.functional import all_reduce  # the all-reduce with autograd

        keep = 1.0 if self.counted else 0.0
        group = self.group or dist.group.WORLD
        count = all_reduce(x.new_tensor([keep * x.numel() / x.shape[1]]), group=group)
        mean = all_reduce(keep * x.sum((0, 2, 3)), group=group) / count
        centred = x - mean[None, :, None, None]
        var = all_reduce(keep * (centred * centred).sum((0, 2, 3)), group=group) / count  # biased, as BN normalises
        with torch.no_grad():
            m = self.momentum
            self.running_mean.mul_(1 - m).add_(m * mean.detach())
            self.running_var.mul_(1 - m).add_(m * var.detach() * count / (count - 1))
            self.num_batches_tracked.add_(1)
        y = centred / torch.sqrt(var + self.eps)[None, :, None, None]
        return y * self.weight[None, :, None, None] + self.bias[None, :, None, None]


def sync_batchnorm(module: nn.Module, group: Any = None) -> nn.Module:
    """`module` with every BatchNorm2d turned into SyncBatchNorm2d in place (same parameters, buffers and keys),
    all-reducing over `group`."""
    for bn in module.modules():
        if type(bn) is nn.BatchNorm2d:
            if bn.momentum is None or not bn.track_running_stats:
                raise ValueError("SyncBatchNorm2d supports BatchNorm2d with a momentum and running statistics")
            bn.__class__ = SyncBatchNorm2d
            bn.group = group
    return module


@contextlib.contextmanager
def uncounted(module: nn.Module) -> Iterator[None]:
    """Leave this rank's input out of the batch statistics for the forward passes inside the block."""
    layers = [m for m in module.modules() if isinstance(m, SyncBatchNorm2d)]
    for m in layers:
        m.counted = False
    try:
        yield
    finally:
        for m in layers:
            m.counted = True


def resolve_backend(backend: str) -> str:
    if backend not in ("auto", "gloo", "nccl"):
        raise ValueError(f"train_general.backend {backend!r}: auto, gloo or nccl")
    return ("nccl" if torch.cuda.is_available() else "gloo") if backend == "auto" else backend


def spawn_train(model: nn.Module, data: Any, cfg: Any, checkpoint: str | Path, meta: dict[str, Any],
                world_size: int, backend: str = "auto") -> tuple[dict, dict[str, Any]]:
    """`training.motion.train` over `world_size` spawned ranks on this machine; loads rank 0's final weights into
    `model` and returns (the per-epoch mean losses, train()'s result)."""
    from phadtf_kedro.scaleout.processes import free_port

    backend = resolve_backend(backend)
    threads = max(1, torch.get_num_threads() // world_size)
    with tempfile.TemporaryDirectory(prefix="phadtf-ddp-") as tmp:
        out = Path(tmp) / "rank0.pt"
        mp.spawn(_worker, args=(world_size, free_port(), backend, threads, model, data, cfg, str(checkpoint), meta,
                                str(out)), nprocs=world_size, join=True)
        done = torch.load(out, weights_only=False)
    model.load_state_dict(done["state"])
    model.eval()
    return done["epochs"], done["result"]


def _worker(rank: int, world_size: int, port: int, backend: str, threads: int, model: nn.Module, data: Any,
            cfg: Any, checkpoint: str, meta: dict[str, Any], out: str) -> None:
    from torch.nn.parallel import DistributedDataParallel

    torch.set_num_threads(threads)
    warnings.filterwarnings("ignore", "torch.distributed.nn.functional.all_reduce is deprecated", FutureWarning)
    dist.init_process_group(backend, init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world_size,
                            timeout=TIMEOUT)
    try:
        device = torch.device("cuda", rank) if backend == "nccl" else torch.device("cpu")
        if device.type == "cuda":
            torch.cuda.set_device(device)
        # torch.multiprocessing hands every rank the same shared-memory tensors: train a private copy, or each rank's
        # optimizer step and BatchNorm update would land on the others' weights too
        model = sync_batchnorm(copy.deepcopy(model), dist.new_group(backend=backend)).to(device)
        ddp = DistributedDataParallel(model, device_ids=[rank] if device.type == "cuda" else None)
        epochs: dict[int, dict] = {}
        result = train(model, data, cfg, checkpoint, meta, (lambda e, losses: epochs.__setitem__(e, losses))
                       if rank == 0 else None, parallel=Parallel(rank, world_size, ddp))
        if rank == 0:
            for bn in model.modules():  # back to plain BatchNorm2d (same state) for the caller
                if isinstance(bn, SyncBatchNorm2d):
                    bn.__class__ = nn.BatchNorm2d
                    del bn.group
            torch.save({"state": {k: v.cpu() for k, v in model.state_dict().items()}, "epochs": epochs,
                        "result": result}, out)
    finally:
        dist.destroy_process_group()
