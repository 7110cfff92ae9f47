"""Wiring of the reconstruction pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.reconstruction import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.tracked_motion, ["face_tracks", "params:reconstruction"], "tracked_motion",
                 name="tracked_motion"),
            Node(nodes.fit_face_shape, ["face_tracks", "tracked_motion", "params:preprocessing.face_landmarker_model",
                                        "params:reconstruction"], "face_shape", name="fit_face_shape"),
            Node(nodes.fit_face_appearance,
                 ["face_shape", "tracked_motion", "face_tracks", "face_crops", "params:reconstruction"],
                 ["face_model", "face_coefficients", "photometric_fit"], name="fit_face_appearance"),
            Node(nodes.reconstruction_report,
                 ["params:person_id", "face_model", "face_coefficients", "face_tracks", "photometric_fit"],
                 ["reconstruction_report", "reconstruction_metrics"], name="reconstruction_report"),
        ],
        tags="reconstruction",
    )
