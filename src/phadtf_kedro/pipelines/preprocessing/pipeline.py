"""Wiring of the preprocessing pipeline (see nodes.py for what each step does)."""

from kedro.pipeline import Node, Pipeline

from phadtf_kedro.pipelines.preprocessing import nodes


def create_pipeline(**kwargs) -> Pipeline:
    return Pipeline(
        [
            Node(nodes.probe_video, ["raw_video", "params:preprocessing"], "video_probe", name="probe_video"),
            Node(nodes.track_faces, ["raw_video", "video_probe", "params:preprocessing"], "face_tracks_raw",
                 name="track_faces"),
            Node(nodes.check_recording, ["video_probe", "face_tracks_raw", "params:preprocessing"], "recording",
                 name="check_recording"),
            Node(nodes.extract_audio, ["raw_video", "recording", "params:preprocessing"], "audio_16k",
                 name="extract_audio"),
            Node(nodes.crop_faces, ["raw_video", "face_tracks_raw", "recording", "params:preprocessing"],
                 ["face_crops", "face_tracks"], name="crop_faces"),
            Node(nodes.audio_features, ["audio_16k", "recording"], "mfcc_windows", name="audio_features"),
            Node(nodes.preprocessing_report,
                 ["params:person_id", "recording", "face_tracks", "face_crops", "audio_16k", "params:preprocessing"],
                 ["preprocessing_report", "preprocessing_metrics", "preprocessing_contact_sheet"],
                 name="preprocessing_report"),
        ],
        tags="preprocessing",
    )
