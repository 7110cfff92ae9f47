"""Wiring of the blending pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.blending import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.blend_training_frames, ["face_renders", "face_crops", "face_coefficients", "params:blending"],
                 "blended_train", name="blend_training_frames"),
            Node(nodes.match_heldout_backgrounds, ["face_coefficients", "params:blending"], "heldout_backgrounds",
                 name="match_heldout_backgrounds"),
            Node(nodes.blend_heldout_frames,
                 ["face_model", "face_coefficients", "face_tracks", "face_crops", "heldout_backgrounds",
                  "params:blending"], "blended_heldout", name="blend_heldout_frames"),
            Node(nodes.blending_report, ["blended_heldout", "face_crops", "face_coefficients", "params:blending"],
                 ["blending_report", "blending_metrics", "blending_contact_sheet"], name="blending_report"),
        ],
        tags="blending",
    )
