"""Render → blend → refine, streamed: frames come out one by one, in chunks of `chunk`, never the whole sequence.

The GAN sees three consecutive blended frames (t−1, t, t+1), so each chunk is refined with one frame of context on
either side (the previous chunk's last, the next chunk's first; the sequence's ends repeat), exactly as refining the
whole sequence at once would.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from phadtf_kedro.face.blend import composite
from phadtf_kedro.face.model import FaceModel
from phadtf_kedro.face.sequence import render_sequence
from phadtf_kedro.training.refinement import RefinementGAN, refine_frames


@dataclass
class SynthFrame:
    """One generated frame at every stage: the render, the render over its background crop, the GAN's output."""

    index: int
    background: int  # frame of the person's video the background crop (and full frame) comes from
    rgba: np.ndarray  # (S, S, 4) uint8 render, premultiplied by coverage
    blended: np.ndarray  # (S, S, 3) uint8
    refined: np.ndarray  # (G, G, 3) uint8 at the GAN's size


@dataclass
class Synthesizer:
    """The person's face model, GAN and video crops, ready to turn planned coefficients into frames."""

    model: FaceModel
    gan: RefinementGAN
    crops: np.ndarray  # (N, S, S, 3) crops of the person's video (only background frames are read)
    crop_affine: np.ndarray  # (N, 2, 3) full frame → crop pixels, per frame of the person's video
    samples: int = 4
    erode_px: int = 2
    feather_sigma: float = 2.0
    chunk: int = 32

    def frames(self, coefficients: np.ndarray, background: np.ndarray) -> Iterator[SynthFrame]:
        """One SynthFrame per row of (T, 85) coefficients, rendered in its background frame's crop box."""
        size = self.crops.shape[1]
        renders = render_sequence(self.model, coefficients, self.crop_affine[background], size, self.samples,
                                  outputs=("rgba",))
        pending: list[SynthFrame] = []
        previous = None
        for t, render in enumerate(renders):
            b = int(background[t])
            blended = composite(render.rgba, self.crops[b], self.erode_px, self.feather_sigma)
            pending.append(SynthFrame(t, b, render.rgba, blended, None))
            if len(pending) == self.chunk + 1:  # one frame of look-ahead
                yield from self._refine(previous, pending[:-1], pending[-1].blended)
                previous, pending = pending[-2].blended, pending[-1:]
        if pending:
            yield from self._refine(previous, pending, None)

    def _refine(self, previous, items: list[SynthFrame], following) -> Iterator[SynthFrame]:
        blended = [f.blended for f in items]
        context = [blended[0] if previous is None else previous, *blended,
                   blended[-1] if following is None else following]
        refined = refine_frames(self.gan, np.stack(context), np.arange(1, len(context) - 1))
        for frame, out in zip(items, refined):
            frame.refined = out
            yield frame
