"""Strict parameters: every key of a run must exist in conf/base, and the values in `RULES` must have their type and range.

The set of known keys is not written down twice: it is whatever the merged conf/base parameter files define, so a stage
that adds a parameter to its `parameters_<stage>.yml` is known at once. Presets (`--env tiny`, `--env paper`) and
`--params` may only override those keys; a typo such as `audio_motion.finetune.epocs=3` stops the run instead of being
silently ignored. `RULES` is the one table of types and ranges (pydantic types); a key without a rule is only checked
for existing. `check_parameters` raises one PhadtfError line naming the first bad key.
"""

from __future__ import annotations

import difflib
import functools
from collections.abc import Iterator, Mapping
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter, ValidationError

from phadtf_kedro.errors import PhadtfError


def _int(ge: int = 1, le: int | None = None):
    return Annotated[int, Field(strict=True, ge=ge, le=le)]


def _float(gt: float | None = None, ge: float | None = None, lt: float | None = None, le: float | None = None):
    return Annotated[float, Field(strict=True, gt=gt, ge=ge, lt=lt, le=le)]


POSITIVE, NON_NEGATIVE, FRACTION = _float(gt=0), _float(ge=0), _float(gt=0, le=1)
BETA = _float(ge=0, lt=1)  # Adam's betas, dropout
COUNT, INDEX, SEED = _int(1), _int(0), _int(0)
MODEL_PATH = str | None  # a .task file, or null for the offline copy

RULES: dict[str, Any] = {
    # preprocessing
    "preprocessing.min_seconds": POSITIVE,
    "preprocessing.min_detection_rate": FRACTION,
    "preprocessing.max_faces": _int(2),  # one face is checked by finding up to two
    "preprocessing.max_roll_deg": _float(ge=0, le=180),
    "preprocessing.silence_dbfs": _float(ge=-200, lt=0),
    "preprocessing.face_landmarker_model": MODEL_PATH,
    "preprocessing.tracking_workers": COUNT,
    "preprocessing.sample_rate": _int(8000, 48000),
    "preprocessing.crop_size": _int(32),
    "preprocessing.crop_margin": _float(ge=1),
    "preprocessing.crop_sigma_center": NON_NEGATIVE,
    "preprocessing.crop_sigma_size": NON_NEGATIVE,
    "preprocessing.contact_sheet_frames": COUNT,
    # reconstruction, rendering
    "reconstruction.train_seconds": POSITIVE,
    "reconstruction.vertical_fov_deg": _float(gt=0, lt=180),
    "reconstruction.expression_ridge": NON_NEGATIVE,
    "reconstruction.shape_rounds": COUNT,
    "reconstruction.texture_size": _int(16),
    "reconstruction.texture_stride": COUNT,
    "reconstruction.robust_sigma": POSITIVE,
    "reconstruction.mask_erode_px": INDEX,
    "rendering.samples": INDEX,
    "rendering.contact_sheet_frames": COUNT,
    # audio_motion (ATCNet) and train_general
    "audio_motion.network.conv_channels": Annotated[list[COUNT], Field(min_length=5, max_length=5)],
    "audio_motion.network.fc": Annotated[list[COUNT], Field(min_length=1)],
    "audio_motion.network.lstm_hidden": COUNT,
    "audio_motion.network.lstm_layers": COUNT,
    "audio_motion.network.mfcc_rows": Literal[28],  # PHADTF's window geometry (audio/mfcc.py)
    "audio_motion.network.mfcc_cols": Literal[12],
    "audio_motion.network.dropout": BETA,
    **{f"{section}.{key}": rule for section in ("audio_motion.finetune", "train_general") for key, rule in {
        "epochs": INDEX, "lr": POSITIVE, "beta1": BETA, "beta2": BETA, "batch_size": COUNT, "clip_frames": COUNT,
        "clip_stride": COUNT, "pose_weight": NON_NEGATIVE, "smooth_pose": NON_NEGATIVE,
        "smooth_expression": NON_NEGATIVE, "checkpoint_every": COUNT, "seed": SEED, "steps": INDEX,
        "lr_schedule": Literal["constant", "cosine"], "velocity": NON_NEGATIVE,
        "trainable": Literal["all", "head"]}.items()},
    "audio_motion.finetune.lr_scratch": POSITIVE,
    "audio_motion.finetune.start": Literal["auto", "general", "scratch"],
    "audio_motion.finetune.gate_frames": INDEX,
    "audio_motion.finetune.weight_decay": NON_NEGATIVE,
    "audio_motion.finetune.val_frames": INDEX,
    "audio_motion.generation.pose_amplitude": NON_NEGATIVE,
    "audio_motion.generation.pose_source": Literal["matched", "predicted", "reference"],
    "audio_motion.expression.model": Literal["ridge", "atcnet"],  # models/ridge_expression.py or ATCNet's output
    "audio_motion.expression.rows": Annotated[list[Annotated[int, Field(strict=True, ge=0, le=28)]],
                                              Field(min_length=2, max_length=2)],
    "audio_motion.expression.alpha": POSITIVE,
    "audio_motion.expression.own_weight": NON_NEGATIVE,
    "audio_motion.expression.rbf_weight": NON_NEGATIVE,
    "audio_motion.expression.sigma": POSITIVE,
    "audio_motion.expression.smooth": COUNT,
    "audio_motion.calibration.enabled": bool,
    "audio_motion.calibration.max_gain": _float(ge=1),
    "audio_motion.calibration.max_gain_pose": _float(ge=1),
    "audio_motion.calibration.outputs": list[Literal["expression", "pose"]],
    "audio_motion.calibration.expression_spread": Literal["in_sample", "out_of_fold"],
    "audio_motion.calibration.folds": _int(2),
    "train_general.frames": Literal["train", "all"],
    "train_general.local_persons": bool,
    "train_general.corpus.exclude": list[Annotated[str, Field(strict=True, min_length=1)]],
    "train_general.corpus.min_valid": FRACTION,
    "corpus": Annotated[str, Field(strict=True, min_length=1)],  # a folder of clips (catalog: corpus_videos)
    # blending, refinement
    "blending.hanning_taps": COUNT,
    "blending.search_window": _int(1) | None,
    "blending.match_speed": POSITIVE,
    "blending.head_speed_quantile": FRACTION | None,
    "blending.pace": Literal["linear", "natural"],
    "blending.erode_px": INDEX,
    "blending.feather_sigma": NON_NEGATIVE,
    "blending.samples": INDEX,
    "blending.contact_sheet_frames": COUNT,
    **{f"refinement.network.{key}": COUNT for key in
       ("ngf", "ndf", "id_dim", "key_dim", "encoder_width", "slots", "top_k")},
    "refinement.network.size": _int(16),
    "refinement.network.threshold": _float(ge=-1, le=1),
    "refinement.network.margin": NON_NEGATIVE,
    "refinement.train": Literal["auto", "always"],  # synthesis/gate.py: train the GAN only where generate uses it
    "refinement.training.epochs": INDEX,  # 0: keep the initial (or general) weights, as tests and benchmarks do
    "refinement.training.lr": POSITIVE,
    "refinement.training.beta1": BETA,
    "refinement.training.batch_size": COUNT,
    "refinement.training.load_size": _int(16),
    **{f"refinement.training.{key}": NON_NEGATIVE for key in
       ("l1_weight", "mask_weight", "tv_weight", "memory_weight", "ssim_weight")},
    "refinement.training.mask_warmup_epochs": INDEX,
    "refinement.training.l1_warmup_epochs": INDEX,
    "refinement.gate.validation_fraction": _float(ge=0, le=0.5),  # 0: no gate, the GAN is used unchecked
    "refinement.gate.min_frames": INDEX,
    "refinement.training.checkpoint_every": COUNT,
    "refinement.training.sample_every": COUNT,
    "refinement.training.seed": SEED,
    "refinement.contact_sheet_frames": COUNT,
    # evaluation (its other keys are only checked for existing)
    "evaluation.max_frames": COUNT,
    "evaluation.face_landmarker_model": MODEL_PATH,
    "evaluation.landmarks": Literal["mediapipe", "fan"],  # LMD's landmark backend (face/fan_landmarks.py)
    "evaluation.hs_bin_deg": POSITIVE,
    "evaluation.max_sync_lag": COUNT,
    "evaluation.contact_sheet_frames": COUNT,
    # generate, demo_sample
    "generate.chunk": COUNT,
    "generate.mask_grow_px": INDEX,
    "generate.seamless": bool,
    "generate.max_size": _int(64),
    "generate.paste_region": Literal["lower_face", "face"],  # synthesis/region.py
    "generate.lower_face": Literal["warp", "render"],  # synthesis/warp.py or the render → blend → refine path
    "generate.mouth_interior": Literal["retrieved", "stretched"],  # synthesis/warp.py mouth_sources
    "generate.mouth_margin": _float(ge=0),
    "generate.surround": Literal["faded", "none"],  # synthesis/warp.py surround_band
    "generate.warp_space": Literal["frame", "crop"],  # synthesis/stream.py Synthesizer.warp_space
    "generate.resampling": Literal["cubic", "linear"],  # synthesis/warp.py RESAMPLING
    "generate.own_lips": Literal["tracked", "model"],  # synthesis/warp.py with_tracked_lips
    "demo_sample.text": Annotated[str, Field(strict=True, min_length=1)],
    "demo_sample.speech_text": Annotated[str, Field(strict=True, min_length=1)],
    "demo_sample.min_seconds": POSITIVE,
    "demo_sample.voice": Annotated[str, Field(strict=True, min_length=1)],
    "demo_sample.words_per_minute": COUNT,
    "demo_sample.max_open_px": NON_NEGATIVE,
}


@functools.cache
def _adapter(key: str) -> TypeAdapter:
    return TypeAdapter(RULES[key], config={"strict": True})


def leaves(params: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """(dotted key, value) of every non-mapping value; lists are values, not branches."""
    for key, value in params.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping) and value:
            yield from leaves(value, path + ".")
        else:
            yield path, value


def _unknown(key: str, known: set[str]) -> PhadtfError:
    close = difflib.get_close_matches(key, sorted(known), n=1, cutoff=0.75)
    hint = f" (did you mean {close[0]}?)" if close else ""
    return PhadtfError(f"parameter {key}: unknown key, conf/base defines no such parameter{hint}")


def check_parameters(params: Mapping[str, Any], base: Mapping[str, Any]) -> None:
    """Stop on the first key of `params` that conf/base (`base`) does not define, on a mapping of base replaced by a
    single value, and on a value that breaks its rule in `RULES`."""
    known = dict(leaves(base))
    branches = {k.rsplit(".", i)[0] for k in known for i in range(1, k.count(".") + 1)}
    for key, value in leaves(params):
        if key not in known:
            if key in branches:
                raise PhadtfError(f"parameter {key}: must be a mapping of parameters as in conf/base, got {value!r}")
            prefix = next((k for k in known if key.startswith(k + ".")), None)
            if prefix is not None:
                raise PhadtfError(f"parameter {prefix}: is a single value in conf/base, not a mapping "
                                  f"(got the key {key})")
            raise _unknown(key, set(known))
        if key in RULES:
            try:
                _adapter(key).validate_python(value)
            except ValidationError as exc:
                error = exc.errors()[0]
                raise PhadtfError(f"parameter {key}={value!r}: {error['msg'].lower()}") from None
