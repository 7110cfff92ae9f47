"""Wiring of the rendering pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.rendering import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.render_frames, ["face_model", "face_coefficients", "face_tracks",
                                       "params:preprocessing.crop_size", "params:rendering"],
                 "face_renders", name="render_frames"),
            Node(nodes.rendering_report,
                 ["face_renders", "face_crops", "face_tracks", "face_coefficients", "params:rendering"],
                 ["rendering_report", "rendering_metrics", "rendering_contact_sheet"], name="rendering_report"),
        ],
        tags="rendering",
    )
