"""How many fine-tune epochs ATCNet wants, chosen on a validation split, never on reported frames.

Fits the person's ATCNet (conf/base sizes, from scratch) on the training part minus its last `--val-seconds`, and
prints every few epochs the training loss on those last seconds and the predicted-vs-real jawOpen correlation there.
The held-out frames after the training part (the evaluation's) are never read.

    python benchmarks/atcnet_epochs.py --project DIR --person 31     # a project where preprocessing and
                                                                      # reconstruction of the person have run
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import torch
from bench import base_params, load_npz

from phadtf_kedro.metrics.sync import correlation
from phadtf_kedro.models.atcnet import ATCNet
from phadtf_kedro.pipelines.audio_motion.nodes import motion_sequences, network_config
from phadtf_kedro.training.checkpoint import config_from_params
from phadtf_kedro.training.motion import Sequences, TrainConfig, heldout_loss, train


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--person", default="31")
    parser.add_argument("--epochs", type=int, default=24)
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--val-seconds", type=float, default=2.0)
    parser.add_argument("--dropout", type=float, default=None, help="override audio_motion.network.dropout")
    args = parser.parse_args()
    params = base_params("audio_motion")
    features = Path(args.project) / "data" / "04_feature" / args.person
    motion = motion_sequences(load_npz(features / "coefficients.npz"), load_npz(features / "mfcc_windows.npz"))
    train_frames = np.flatnonzero(motion["train"])
    n_val = int(round(args.val_seconds * 25))
    fit, val = train_frames[:-n_val], train_frames[-n_val:]
    jaw = motion["names"].index("expression/jawOpen")
    network = {**params["network"], **({} if args.dropout is None else {"dropout": args.dropout})}
    torch.manual_seed(params["finetune"]["seed"])
    model = ATCNet(network_config(network))
    data = Sequences([motion["windows"][fit]], [motion["targets"][fit]])
    model.set_target_stats(*data.stats())
    cfg = config_from_params(TrainConfig, {**params["finetune"], "epochs": args.epochs},
                             lr=params["finetune"]["lr_scratch"])

    def on_epoch(epoch: int, losses: dict) -> None:
        if (epoch + 1) % args.every:
            return
        loss = heldout_loss(model, motion["windows"][val], motion["targets"][val], cfg)["loss"]
        with torch.inference_mode():
            predicted = model.predict(torch.as_tensor(motion["windows"][val])).numpy()
        model.train()
        print(f"epoch {epoch + 1}: validation loss {loss:.4f}, jawOpen r "
              f"{correlation(predicted[:, jaw], motion['targets'][val][:, jaw]):.3f}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        train(model, data, cfg, Path(tmp) / "atcnet.safetensors", {"dropout": network["dropout"]}, on_epoch)


if __name__ == "__main__":
    main()
