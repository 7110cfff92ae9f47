"""Decode, probe and encode video with the ffmpeg binary that ships in the imageio-ffmpeg wheel (nothing from the system);
stream facts (size, display rotation, rate, duration, codecs) come from PyAV, which reads them through FFmpeg's libraries.

Frames travel as raw RGB24 through pipes, so a whole video never has to sit in memory. Resampling to a target frame rate
uses ffmpeg's `fps` filter, which handles constant and variable frame rate input alike; decoding the same file with the
same rate always gives the same frames, so the 25 fps frames are re-derived from the raw file instead of stored twice.
"""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from queue import Queue
from threading import Thread

import av
import imageio_ffmpeg
import numpy as np

from phadtf_kedro.errors import PhadtfError


def ffmpeg_exe() -> str:
    return imageio_ffmpeg.get_ffmpeg_exe()


@dataclass(frozen=True)
class VideoProbe:
    """Facts about a media file, read from its streams' metadata with PyAV (FFmpeg's libraries, not a log parser).

    `width`/`height` are the *displayed* size: a phone clip stored as 1280×720 with a 90° display matrix is 720×1280
    here, which is what ffmpeg's decoder (auto-rotating) sends through the pipe. `rotation` is that display rotation
    (degrees counter-clockwise, as FFmpeg reports it; 0 when the pixels are stored upright)."""

    path: str
    width: int
    height: int
    fps: float  # average frame rate of the video stream
    duration: float  # seconds
    has_audio: bool
    audio_rate: int | None
    audio_channels: int | None
    video_codec: str = ""  # FFmpeg's decoder name, e.g. h264
    audio_codec: str | None = None  # e.g. aac
    rotation: int = 0


def _unreadable(path: str, exc: Exception) -> PhadtfError:
    return PhadtfError(f"{path}: not a readable media file (truncated or corrupt container; {type(exc).__name__})")


def probe(path: str | Path) -> VideoProbe:
    """Read stream facts from the container and the first decoded video frame (its display matrix). Raises
    PhadtfError on a missing, unreadable or video-less file."""
    path = str(path)
    if not Path(path).is_file():
        raise PhadtfError(f"{path}: file not found")
    try:
        container = av.open(path, metadata_errors="ignore")
    except (av.FFmpegError, UnicodeDecodeError) as exc:
        raise _unreadable(path, exc) from exc
    with container:
        if not container.streams.video:
            raise PhadtfError(f"{path}: no video stream")
        video = container.streams.video[0]
        audio = container.streams.audio[0] if container.streams.audio else None
        try:  # the display matrix travels on the frames; the first one also proves the stream decodes at all
            first = next(container.decode(video), None)
        except av.FFmpegError as exc:
            raise _unreadable(path, exc) from exc
        if first is None:
            raise PhadtfError(f"{path}: video stream has no decodable frame")
        rotation = int(round(first.rotation)) % 360
        width, height = first.width, first.height
        if rotation in (90, 270):
            width, height = height, width
        elif rotation not in (0, 180):
            raise PhadtfError(f"{path}: display rotation of {rotation}° (only multiples of 90° can be decoded upright)")
        rate = video.average_rate or video.guessed_rate or video.base_rate
        if container.duration is not None:
            duration = container.duration / av.time_base
        elif video.duration is not None and video.time_base is not None:
            duration = float(video.duration * video.time_base)
        else:
            duration = 0.0
        return VideoProbe(path, int(width), int(height), float(rate) if rate else 0.0, float(duration),
                          audio is not None, audio.codec_context.sample_rate if audio else None,
                          audio.codec_context.channels if audio else None, video.codec_context.name,
                          audio.codec_context.name if audio else None, rotation)


def iter_frames(path: str | Path, width: int, height: int, fps: float | None = 25.0, start: int = 0,
                stop: int | None = None, errors: list[str] | None = None) -> Iterator[np.ndarray]:
    """Yield RGB uint8 frames (H×W×3) of the first video stream, resampled to `fps` (None: source timing).

    `start`/`stop` select output frame indices [start, stop) after resampling (frames before `start` are decoded
    and dropped). ffmpeg's decode errors are appended to `errors` when given.
    """
    filters = [f"fps={fps:g}"] if fps else []
    if start or stop is not None:
        filters.append(f"select='gte(n\\,{start})" + (f"*lt(n\\,{stop})'" if stop is not None else "'"))
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:v:0", "-an"]
    if filters:
        cmd += ["-vf", ",".join(filters)]
    cmd += ["-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    nbytes = width * height * 3
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=nbytes * 4)
    try:
        while True:
            buf = proc.stdout.read(nbytes)
            if len(buf) < nbytes:
                break
            yield np.frombuffer(buf, np.uint8).reshape(height, width, 3)
    finally:
        proc.stdout.close()
        proc.kill()
        stderr = proc.stderr.read().decode(errors="replace")
        proc.stderr.close()
        proc.wait()
        if errors is not None and stderr.strip():
            errors.extend(stderr.strip().splitlines())


@dataclass(frozen=True)
class VideoFile:
    """A video on disk, decoded lazily at `fps` (None: the file's own timing)."""

    path: str
    fps: float | None = 25.0

    def probe(self) -> VideoProbe:
        return probe(self.path)

    def frames(self, start: int = 0, stop: int | None = None, errors: list[str] | None = None) -> Iterator[np.ndarray]:
        info = self.probe()
        return iter_frames(self.path, info.width, info.height, self.fps, start, stop, errors)


@dataclass
class VideoClip:
    """Frames to encode: `frames()` yields RGB uint8 arrays of one size, at `fps`; `audio` is mono float32 or None."""

    frames: Callable[[], Iterable[np.ndarray]]
    fps: float
    audio: np.ndarray | None = None
    sample_rate: int = 16000


def read_audio(path: str | Path, sample_rate: int = 16000) -> np.ndarray:
    """Decode the first audio stream of any media file to mono float32 at `sample_rate` (ffmpeg resamples and downmixes)."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-i", str(path), "-map", "0:a:0", "-vn",
           "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "-"]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode != 0:
        msg = proc.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["unknown error"]
        raise PhadtfError(f"{path}: no decodable audio stream (ffmpeg: {msg[0]})")
    return np.frombuffer(proc.stdout, np.float32).copy()


class VideoWriter:
    """Push frames one at a time into a browser-playable mp4: H.264 (yuv420p, even size), AAC when audio is given,
    +faststart. The encoder starts at the first frame (its size sets the video's); `close` waits for it to finish."""

    def __init__(self, path: str | Path, fps: float, audio: np.ndarray | None = None, sample_rate: int = 16000,
                 crf: int = 18):
        self.path, self.fps, self.crf = Path(path), fps, crf
        self._audio, self._rate = audio, sample_rate
        self._proc: subprocess.Popen | None = None
        self._audio_tmp: Path | None = None
        self.frames = 0

    def _start(self, h: int, w: int) -> None:
        cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-v", "error", "-y",
               "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{w}x{h}", "-r", f"{self.fps:g}", "-i", "-"]
        if self._audio is not None:
            self._audio_tmp = Path(str(self.path) + ".f32")
            np.asarray(self._audio, np.float32).tofile(self._audio_tmp)
            cmd += ["-f", "f32le", "-ar", str(self._rate), "-ac", "1", "-i", str(self._audio_tmp)]
        cmd += ["-map", "0:v:0"] + (["-map", "1:a:0", "-c:a", "aac", "-b:a", "128k"] if self._audio_tmp else [])
        cmd += ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2", "-c:v", "libx264", "-preset", "veryfast", "-crf", str(self.crf),
                "-pix_fmt", "yuv420p", "-movflags", "+faststart", "-f", "mp4", str(self.path)]
        self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stderr=subprocess.PIPE)

    def write(self, frame: np.ndarray) -> None:
        if self._proc is None:
            self._start(*frame.shape[:2])
        self._proc.stdin.write(np.ascontiguousarray(frame).tobytes())
        self.frames += 1

    def close(self) -> None:
        """Finish the file; raises if nothing was written or ffmpeg failed."""
        try:
            if self._proc is None:
                raise ValueError(f"{self.path}: no frames to encode")
            self._proc.stdin.close()
            err = self._proc.stderr.read().decode(errors="replace")
            if self._proc.wait() != 0:
                raise RuntimeError(f"{self.path}: ffmpeg encoding failed: {err.strip()[-500:]}")
        finally:
            self.abort()

    def abort(self) -> None:
        """Stop the encoder (if running) and remove the temporary audio file."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._audio_tmp is not None:
            self._audio_tmp.unlink(missing_ok=True)


def encode_concurrently(writers: Sequence[VideoWriter], frames: Iterable[Sequence[np.ndarray]],
                        depth: int = 4) -> None:
    """Push each item of `frames` (one frame per writer) into the writers from a second thread, so that making the
    next frames overlaps with handing the last ones to the encoders (a pipe write waits until ffmpeg has taken the
    whole frame). At most `depth` items wait in between; raises what either side raised. The writers are not closed."""
    queue: Queue = Queue(maxsize=depth)
    failed: list[BaseException] = []

    def feed() -> None:
        try:
            while (item := queue.get()) is not None:
                for writer, frame in zip(writers, item):
                    writer.write(frame)
        except BaseException as error:  # noqa: BLE001 — handed to the producing thread below
            failed.append(error)
            while queue.get() is not None:  # keep taking items, so the producer never waits on a full queue
                pass

    thread = Thread(target=feed, name="encode", daemon=True)
    thread.start()
    try:
        for item in frames:
            if failed:
                break
            queue.put(item)
    finally:
        queue.put(None)
        thread.join()
    if failed:
        raise failed[0]


def write_video(path: str | Path, clip: VideoClip, crf: int = 18) -> None:
    """Encode `clip` as browser-playable mp4 (see `VideoWriter`), making frames while the last ones are encoded."""
    writer = VideoWriter(path, clip.fps, clip.audio, clip.sample_rate, crf)
    try:
        encode_concurrently([writer], ((frame,) for frame in clip.frames()))
    except BaseException:
        writer.abort()
        raise
    writer.close()
