"""Render → blend → refine at the face's native scale, streamed: frames come out one by one, in chunks of `chunk`.

Each frame is rendered into its background frame's crop box at `size`² — the face's own size in the video (see
`native_size`), not the training crops' size — and composited over that box cut from the full-resolution background
frame, so everything the render does not cover keeps the video's own pixels. The GAN works at its own (smaller) size
and contributes only its *correction*: refined = blended + upsampled(GAN(blended) − blended at the GAN's size), so
where the GAN keeps its input the native detail survives untouched.

The GAN sees three consecutive blended frames (t−1, t, t+1), so each chunk is refined with one frame of context on
either side (the previous chunk's last, the next chunk's first; the sequence's ends repeat), exactly as refining the
whole sequence at once would. `path: blended` (the refinement gate's verdict, `training.gate`) skips the GAN.

A lower face made of the video's own pixels (`lower_face: warp`) is moved in the full-resolution frame itself by
default (`warp_space: frame`): one resampling, and every pixel that does not move stays the video's own, bit for bit.
Cutting a crop, warping it and pasting it back resampled the whole lower face three times, softening it where nothing
moved. The crop at the synthesis size is then only the preview and the evaluation's `blended` row.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import cv2
import numpy as np

from phadtf_kedro.face.blend import composite
from phadtf_kedro.face.camera import project
from phadtf_kedro.face.crop import crop_affine, cut_crop
from phadtf_kedro.face.model import FaceModel
from phadtf_kedro.face.sequence import render_sequence
from phadtf_kedro.metrics.image import at_size
from phadtf_kedro.synthesis.plan import training_frames
from phadtf_kedro.synthesis.region import dilated, face_mask, lower_face_triangles, region_of
from phadtf_kedro.synthesis.warp import (MOUTH_SHAPES, RESAMPLING, inner_mouth_triangles, lip_vertices, mesh_warp,
                                         mouth_sources, with_mouth_interior, with_tracked_lips)
from phadtf_kedro.models.refinement_gan import RefinementGAN, refine_frames

PATHS = ("refined", "blended")
REGIONS = ("lower_face", "face")
LOWER_FACE = ("warp", "render")
SURROUND = ("faded", "none")
WARP_SPACES = ("frame", "crop")
MOUTH_INTERIOR = ("retrieved", "stretched")
OWN_LIPS = ("tracked", "model")
PREVIEW_RENDER = 256  # render side when the render is only shown (warped lower face)
FRAME_AFFINE = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])  # the full frame as its own "crop"


def native_size(boxes: np.ndarray, minimum: int, maximum: int) -> int:
    """The synthesis size for a person: the median crop-box side in video pixels (a multiple of 8), within
    [minimum, maximum], so pasting back scales by about 1× instead of upscaling a small crop."""
    side = int(np.ceil(float(np.median(boxes[:, 2])) / 8.0) * 8)
    return int(min(max(side, minimum), maximum))


@dataclass
class SynthFrame:
    """One generated frame at every stage, all at the synthesis size: render, blend, refined, paste region."""

    index: int
    background: int  # frame of the person's video the background (and full frame) comes from
    rgba: np.ndarray  # (N, N, 4) uint8 render, premultiplied by coverage (≤ 256² when the lower face is warped)
    blended: np.ndarray  # (N, N, 3) uint8: the render over the background frame's box
    refined: np.ndarray | None  # (N, N, 3) uint8: blended + the GAN's correction (= blended on the blended path)
    region: np.ndarray | None  # (N, N) uint8 {0, 255}: what is pasted back into the full frame (None: `full` is made)
    # the full video frame with the new face already in place (a lower face warped in the frame itself: no paste)
    full: np.ndarray | None = None


@dataclass
class Synthesizer:
    """The person's face model, GAN and tracked boxes, ready to turn planned coefficients into frames."""

    model: FaceModel
    gan: RefinementGAN
    own: np.ndarray  # (N_video, 85) the person's reconstructed coefficients (each background frame's own face)
    boxes: np.ndarray  # (N_video, 3) int crop boxes (x0, y0, side) in full-frame pixels
    size: int  # synthesis size (native_size)
    samples: int = 4
    erode_px: int = 2
    feather_sigma: float = 2.0
    chunk: int = 32
    grow_px: float = 8.0  # the paste region grows this much, in px of a 256² crop (scaled to `size`)
    region: str = "lower_face"
    path: str = "refined"
    lower_face: str = "render"  # warp: the background's own lower face moved to the new expression (synthesis/warp.py)
    # with warp, the mouth opening: retrieved (from the training frame with the nearest mouth, beyond `mouth_margin`;
    # synthesis/warp.py `mouth_sources`) or stretched (the background's own)
    mouth_interior: str = "stretched"
    mouth_margin: float = 0.05
    training: np.ndarray | None = None  # the tracked training frames (mouth sources are only taken from these)
    mouth_columns: tuple[int, ...] = ()  # columns of `MOUTH_SHAPES` in the coefficients
    # with warp, around the moved lower face: faded (the surroundings follow the contour, eased to none over a band;
    # synthesis/warp.py `faded_into_surround`) or none (they keep their pixels: the old chin shows below a closing jaw)
    surround: str = "none"
    # with warp, where the pixels are moved: frame (in the full video frame itself: one resampling, and what does not
    # move is the video's own pixels exactly) or crop (in the synthesis crop, then pasted back: cut, warp and paste
    # each resample it, softening the whole lower face even where nothing moved)
    warp_space: str = "crop"
    resampling: str = "linear"  # with warp: how moved pixels are sampled, linear or cubic (synthesis/warp.py)
    # with warp, where a frame's own lips are: model (the face model's lips for its expression: its residual, the
    # frame's own mouth, rides into the generated one) or tracked (their shape where the tracker saw them in
    # `landmarks`; synthesis/warp.py `with_tracked_lips`)
    own_lips: str = "model"
    landmarks: np.ndarray | None = None  # (N_video, ≥468, ≥2) tracked landmarks in video pixels
    one_face: np.ndarray | None = None  # (N_video,) bool: the tracker found exactly one face (its landmarks count)

    def __post_init__(self) -> None:
        if self.region not in REGIONS or self.path not in PATHS or self.lower_face not in LOWER_FACE or \
                self.mouth_interior not in MOUTH_INTERIOR or self.surround not in SURROUND or \
                self.warp_space not in WARP_SPACES or self.resampling not in RESAMPLING or \
                self.own_lips not in OWN_LIPS:
            raise ValueError(f"region {self.region!r} / path {self.path!r} / lower_face {self.lower_face!r} / "
                             f"mouth_interior {self.mouth_interior!r} / surround {self.surround!r} / warp_space "
                             f"{self.warp_space!r} / resampling {self.resampling!r} / own_lips {self.own_lips!r}: "
                             f"expected {REGIONS} / {PATHS} / {LOWER_FACE} / {MOUTH_INTERIOR} / {SURROUND} / "
                             f"{WARP_SPACES} / {tuple(RESAMPLING)} / {OWN_LIPS}")
        if self.lower_face == "warp":  # real pixels need no refiner (it learned to turn renders into real pixels)
            self.path = "blended"
        self._triangles = lower_face_triangles(self.model.shape.neutral, self.model.triangles)
        self._grow = int(round(self.grow_px * self.size / 256.0))
        self._inner = inner_mouth_triangles(self._triangles)
        self._lips = lip_vertices(self.model.shape.neutral)
        self._source: tuple[int, np.ndarray, np.ndarray] | None = None  # the last mouth source: index, image, pixels
        # the camera in the full frame's own pixels (the identity crop affine): where a warp in the frame projects
        self._frame_intrinsics = self.model.intrinsics(FRAME_AFFINE[None])[0]

    def _warps(self) -> bool:
        return warps_real_pixels(self.region, self.lower_face)

    def mouth_sources(self, coefficients: np.ndarray, background: np.ndarray) -> np.ndarray:
        """(T,) the frame whose mouth interior each planned frame shows (its background unless retrieved)."""
        background = np.asarray(background, np.int64)
        if not (self._warps() and self.mouth_interior == "retrieved") or self.training is None or not len(background):
            return background.copy()
        cols = list(self.mouth_columns)
        return mouth_sources(coefficients[:, cols], self.own[:, cols], background, self.training, self.mouth_margin)

    def frames(self, coefficients: np.ndarray, background: np.ndarray, full_frames: Mapping[int, np.ndarray],
               mouth_source: np.ndarray | None = None) -> Iterator[SynthFrame]:
        """One SynthFrame per row of (T, 85) coefficients, in the box of its background frame (`full_frames[b]`);
        with a warped lower face, the mouth opening from `full_frames[mouth_source[t]]` where that is another."""
        affines = np.stack([crop_affine(tuple(int(v) for v in self.boxes[b]), self.size) for b in background])
        intrinsics = self.model.intrinsics(affines)
        warp = self._warps()
        mouth_source = background if mouth_source is None else mouth_source
        # a warped lower face uses the render only for the preview: render it small (half the synthesis time at 552²)
        # and without anti-aliasing (resolving the multisampled image took as long as rendering it)
        render_size = min(self.size, PREVIEW_RENDER) if warp else self.size
        render_affines = affines * (render_size / self.size)
        renders = render_sequence(self.model, coefficients, render_affines, render_size, 0 if warp else self.samples,
                                  outputs=("rgba",))
        pending: list[SynthFrame] = []
        previous = None
        for t, render in enumerate(renders):
            b = int(background[t])
            box = tuple(int(v) for v in self.boxes[b])
            full = region = None
            in_frame_warp = warp and self.warp_space == "frame"  # nothing is pasted: no paste region
            if self.region == "face":
                region = face_mask(render.rgba, self._grow)
            else:  # the mesh posed with the generated and with the background frame's own expression
                posed = self.model.camera_vertices(np.stack([coefficients[t], self.own[b]]))
                camera = self._frame_intrinsics if in_frame_warp else intrinsics[t]
                new_px, own_px = project(posed[0], camera), project(posed[1], camera)
                if warp:
                    own_px = self._lips_of(own_px, b, FRAME_AFFINE if in_frame_warp else affines[t])
                if not in_frame_warp:
                    region = region_of([new_px, own_px], self._triangles, self.size, self._grow)
            if in_frame_warp:
                source = int(mouth_source[t])
                full = self._warped_frame(full_frames[b], box, own_px, new_px, -posed[0][:, 2],
                                          None if source == b else source, full_frames[source])
                blended = cut_crop(full, box, self.size)
            elif warp:
                crop = cut_crop(full_frames[b], box, self.size)
                faded = self.surround == "faded"
                blended = mesh_warp(crop, own_px, new_px, -posed[0][:, 2], self._triangles, faded, self.resampling)
                if faded:  # the surroundings that followed the contour are pasted too, and only they (a paste
                    # resamples the frame twice: a wider region would soften the face where nothing changed)
                    region |= dilated(np.where((blended != crop).any(axis=2), 255, 0).astype(np.uint8), self._grow)
                if int(mouth_source[t]) != b:
                    source = int(mouth_source[t])
                    blended = self._mouth_from(source, full_frames[source], blended, new_px, -posed[0][:, 2])
            else:
                blended = composite(render.rgba, cut_crop(full_frames[b], box, self.size), self.erode_px,
                                    self.feather_sigma)
            pending.append(SynthFrame(t, b, render.rgba, blended, None, region, full))
            # one frame of look-ahead, for the GAN's context; without a GAN frames need not wait for a chunk (a warp
            # in the frame holds whole video frames)
            if len(pending) == (1 if self.path == "blended" else self.chunk) + 1:
                yield from self._refine(previous, pending[:-1], pending[-1].blended)
                previous, pending = pending[-2].blended, pending[-1:]
        if pending:
            yield from self._refine(previous, pending, None)

    def _warped_frame(self, frame: np.ndarray, box: tuple[int, int, int], own_px: np.ndarray, new_px: np.ndarray,
                      depth: np.ndarray, source: int | None, source_frame: np.ndarray | None) -> np.ndarray:
        """The full video `frame` with its lower face moved from `own_px` to `new_px` (the frame's pixels) where its
        pixels are, at their own resolution; the mouth opening from frame `source` unless that is None (the seam's
        feather scales with the face's `box`)."""
        out = mesh_warp(frame, own_px, new_px, depth, self._triangles, self.surround == "faded", self.resampling)
        if source is None:
            return out
        image, source_px = self._source_of(source, source_frame)
        return with_mouth_interior(out, image, source_px, new_px, depth, self._inner, box[2] / 256.0,
                                   self.resampling)

    def _source_of(self, source: int, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Frame `source` as the mouth interior is taken from it: the image (the frame itself, or its crop where the
        warp runs in crops) and the mesh of its own expression in that image's pixels (consecutive frames mostly
        share their source: cached)."""
        if self._source is None or self._source[0] != source:
            vertices = self.model.camera_vertices(self.own[source][None])[0]
            if self.warp_space == "frame":
                pixels = self._lips_of(project(vertices, self._frame_intrinsics), source, FRAME_AFFINE)
                self._source = (source, frame, pixels)
            else:
                box = tuple(int(v) for v in self.boxes[source])
                affine = crop_affine(box, self.size)
                pixels = self._lips_of(project(vertices, self.model.intrinsics(affine[None])[0]), source, affine)
                self._source = (source, cut_crop(frame, box, self.size), pixels)
        return self._source[1], self._source[2]

    def _lips_of(self, pixels: np.ndarray, frame: int, affine: np.ndarray) -> np.ndarray:
        """Video frame `frame`'s own projected mesh (`pixels`, in the image `affine` maps video pixels to) with its
        lips as tracked, where `own_lips` asks for that."""
        untracked = self.one_face is not None and not self.one_face[frame]
        if self.own_lips != "tracked" or self.landmarks is None or untracked:
            return pixels
        tracked = self.landmarks[frame, :len(pixels), :2] @ affine[:, :2].T + affine[:, 2]
        return with_tracked_lips(pixels, tracked, self._lips)

    def _mouth_from(self, source: int, frame: np.ndarray, warped: np.ndarray, new_px: np.ndarray,
                    depth: np.ndarray) -> np.ndarray:
        """`warped` (a crop) with its mouth opening taken from frame `source` (as it lies in that frame's own box)."""
        crop, source_px = self._source_of(source, frame)
        return with_mouth_interior(warped, crop, source_px, new_px, depth, self._inner, self.size / 256.0,
                                   self.resampling)

    def _refine(self, previous, items: list[SynthFrame], following) -> Iterator[SynthFrame]:
        if self.path == "blended":
            for frame in items:
                frame.refined = frame.blended
                yield frame
            return
        blended = [f.blended for f in items]
        context = [blended[0] if previous is None else previous, *blended,
                   blended[-1] if following is None else following]
        refined = refine_frames(self.gan, np.stack(context), np.arange(1, len(context) - 1))
        for frame, out in zip(items, refined):
            frame.refined = with_correction(frame.blended, out)
            yield frame


def with_correction(blended: np.ndarray, refined_small: np.ndarray) -> np.ndarray:
    """`blended` (N, N, 3) plus the GAN's correction at its size (G, G, 3), upsampled: native detail where the GAN
    kept its input, the GAN's pixels where it repainted."""
    n, g = blended.shape[0], refined_small.shape[0]
    if n == g:
        return refined_small
    delta = refined_small.astype(np.float32) - at_size(blended[None], g)[0].astype(np.float32)
    up = cv2.resize(delta, (n, n), interpolation=cv2.INTER_CUBIC)
    return np.clip(blended.astype(np.float32) + up + 0.5, 0, 255).astype(np.uint8)


def synthesizer(model: FaceModel, gan: RefinementGAN, face_coefficients: dict[str, np.ndarray],
                face_tracks: dict[str, np.ndarray], blending: dict, generate: dict, path: str = "refined") -> Synthesizer:
    """The person's Synthesizer as `generate` configures it (the evaluation uses the same one). Blending's edge
    settings are in px of a 256² crop and scale with the synthesis size."""
    boxes = face_tracks["crop_boxes"]
    size = native_size(boxes, 64, generate["max_size"])
    scale = size / 256.0
    names = [str(n) for n in face_coefficients["names"]]
    mouth = tuple(names.index(f"expression/{n}") for n in MOUTH_SHAPES)
    return Synthesizer(model, gan, face_coefficients["coefficients"], boxes, size, blending["samples"],
                       int(round(blending["erode_px"] * scale)), blending["feather_sigma"] * scale, generate["chunk"],
                       generate["mask_grow_px"], generate["paste_region"], path, generate["lower_face"],
                       generate["mouth_interior"], generate["mouth_margin"],
                       training_frames(face_coefficients), mouth, generate["surround"], generate["warp_space"],
                       generate["resampling"], generate["own_lips"], face_tracks["landmarks"],
                       np.asarray(face_tracks["num_faces"]) == 1)


def warps_real_pixels(paste_region: str, lower_face: str) -> bool:
    """Whether the new lower face is the background frame's own pixels moved by the mesh warp (nothing rendered)."""
    return paste_region == "lower_face" and lower_face == "warp"


def refiner_used(generate: dict) -> bool:
    """Whether `generate`'s path can use the GAN at all: not where the lower face is the video's own pixels, warped."""
    return not warps_real_pixels(generate["paste_region"], generate["lower_face"])


def chosen_path(refinement_gate: dict, generate: dict) -> str:
    """The path a person's frames take: the gate's verdict, or `blended` where the lower face is warped real pixels."""
    return str(refinement_gate["path"]) if refiner_used(generate) else "blended"
