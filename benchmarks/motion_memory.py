"""Peak memory of generate's audio → motion step (`driven_motion`: MFCC windows, then ATCNet and the expression
ridge) against the audio's length.

Each duration runs in a fresh process: real speech (obama_weekly_13s.wav, repeated) is turned into ATCNet's expression
and pose with the `small` network of conf/base (random weights: memory depends on the network's size, not on what it
learned). Prints the peak resident memory of the process and how much the step added over what was resident before it
(the audio itself and the network). Streaming keeps the added memory flat; a one-pass step grows with the audio.

    python benchmarks/motion_memory.py                # 1 and 10 minutes
    python benchmarks/motion_memory.py --minutes 1 10 60
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys

from bench import ROOT, SHARED_DATA, base_params

SPEECH = SHARED_DATA / "audio" / "obama_weekly_13s.wav"

CHILD = """
import json, resource, sys
import numpy as np, soundfile as sf, torch
sys.path.insert(0, {root!r})
from phadtf_kedro.audio.io import Audio
from phadtf_kedro.models.atcnet import ATCNet, ATCNetConfig
from phadtf_kedro.datasets import TensorsDataset
from phadtf_kedro.models.ridge_expression import fit_ridge
from phadtf_kedro.pipelines.generate.nodes import driven_motion
torch.set_num_threads(2)
speech, rate = sf.read({speech!r}, dtype="float32")
speech = speech.mean(axis=1) if speech.ndim > 1 else speech
assert rate == 16000, rate
n = int({minutes} * 60 * rate)
samples = np.resize(speech, n).astype(np.float32)
torch.manual_seed(0)
net = ATCNet(ATCNetConfig.from_dict({network!r})).eval()
corpus = TensorsDataset("none.safetensors", packaged="ridge_general.safetensors").load()  # the shipped corpus frames
ridge = fit_ridge([corpus], [1.0], {alpha!r}, rbf_weight={rbf_weight!r}, sigma={sigma!r}, smooth={smooth!r})
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
motion = driven_motion(net, ridge, Audio(samples, rate))
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({{"frames": len(motion["predicted"]), "before_mb": before / 1024, "peak_mb": peak / 1024}}))
"""


def measure(minutes: float, network: dict) -> dict:
    expression = base_params("audio_motion")["expression"]  # conf/base's mouth model, as finetune fits it
    code = CHILD.format(root=str(ROOT / "src"), speech=str(SPEECH), minutes=minutes, network=network,
                        **{k: expression[k] for k in ("alpha", "rbf_weight", "sigma", "smooth")})
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, nargs="+", default=[1.0, 10.0])
    args = parser.parse_args()
    network = base_params("audio_motion")["network"]
    for minutes in args.minutes:
        r = measure(minutes, network)
        print(f"driven_motion, {minutes:g} min of speech ({r['frames']} frames): peak RSS {r['peak_mb']:.0f} MB, "
              f"added by the step {r['peak_mb'] - r['before_mb']:.0f} MB")
    print(f"(this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")


if __name__ == "__main__":
    main()
