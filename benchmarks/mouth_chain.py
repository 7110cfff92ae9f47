"""Where the generated mouth opening comes from: the prediction, or the matched frame's own mouth.

Reads an evaluated project (`benchmarks/quality.py` or `benchmarks/lower_face.py` leaves one) and prints, per identity,
Pearson r over the held-out frames between mouth openings (inner-lip gap over eye-corner distance,
metrics/mouth.py):
- `pred~real`: the face model's mouth for the `ours` coefficients (the prediction, projected) vs the real video's
  tracked mouth: what the prediction alone could score;
- `ours~pred`: the mouth tracked on the generated `ours` frames vs the face model's mouth for those coefficients: how
  faithfully synthesis shows the prediction;
- `ours~real`: the evaluation's mouth_corr;
- `leak`: (tracked `ours` − model mouth of its coefficients) vs (the matched frame's tracked mouth − the model's mouth
  for that frame's own coefficients): how much of the matched frame's own mouth, the part its face model does not
  explain, rides into the generated one (synthesis/warp.py `with_tracked_lips`).
And the spreads along the same chain (std ratios): `pred/real` (how far the prediction opens the mouth against the
real video), `ours/pred` (how much of it synthesis shows), `ours/real` (the evaluation's mouth_std_ratio).

    python benchmarks/mouth_chain.py --project benchmarks/results/quality/project --identities 31,vox2_00098
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from phadtf_kedro.face.camera import project
from phadtf_kedro.face.model import FaceModel
from phadtf_kedro.metrics.motion import std_ratio
from phadtf_kedro.metrics.mouth import mouth_opening
from phadtf_kedro.metrics.sync import correlation
from phadtf_kedro.synthesis.stream import FRAME_AFFINE


def model_opening(model: FaceModel, coefficients: np.ndarray) -> np.ndarray:
    """The face model's mouth opening for each row of (T, 85) coefficients, projected into the video's pixels."""
    return mouth_opening(project(model.camera_vertices(coefficients), model.intrinsics(FRAME_AFFINE[None])[0]))


def chain(data: Path, person: str) -> dict[str, float]:
    model = FaceModel.from_arrays(dict(np.load(data / "06_models" / person / "face_model.npz")), "face_model")
    own = np.load(data / "04_feature" / person / "coefficients.npz")["coefficients"]
    evaluation = data / "07_model_output" / person / "evaluation"
    plan, tracks = np.load(evaluation / "plan.npz"), np.load(evaluation / "tracks.npz")
    video_landmarks = np.load(data / "03_primary" / person / "face_tracks.npz")["landmarks"]
    real, ours = mouth_opening(tracks["real"]), mouth_opening(tracks["ours"])
    predicted = model_opening(model, plan["ours.coefficients"])
    background = plan["ours.background"]
    residual = mouth_opening(video_landmarks[background]) - model_opening(model, own[background])
    return {"pred~real": correlation(predicted, real), "ours~pred": correlation(ours, predicted),
            "ours~real": correlation(ours, real), "leak": correlation(ours - predicted, residual),
            "pred/real": std_ratio(predicted, real), "ours/pred": std_ratio(ours, predicted),
            "ours/real": std_ratio(ours, real)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--project", required=True)
    parser.add_argument("--identities", default="31,vox2_00098,vox2_681100216,vox2_796100172")
    args = parser.parse_args()
    data = Path(args.project) / "data"
    print("| identity | pred~real | ours~pred | ours~real | leak | pred/real | ours/pred | ours/real |\n"
          "|---|---|---|---|---|---|---|---|")
    for person in args.identities.split(","):
        figures = chain(data, person)
        print(f"| {person} | " + " | ".join(f"{v:.3f}" for v in figures.values()) + " |")


if __name__ == "__main__":
    main()
