"""Headless OpenGL rasterizer for the face mesh (moderngl on EGL: Mesa's llvmpipe on CPU, NVIDIA's EGL on GPU servers).

One draw per frame of the 898-triangle mesh into a 4× multisampled float framebuffer with three targets — shaded colour
(albedo texture × spherical-harmonics shading), camera-space normal, and texture UV — resolved to single samples, so
edges are anti-aliased and `alpha` is the pixel's coverage. Depth test on; back faces culled (the mesh is
counter-clockwise from the front). Varyings are perspective-correct, as OpenGL interpolates them by default.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from phadtf_kedro.errors import PhadtfError
from phadtf_kedro.face.camera import gl_projection
from phadtf_kedro.face.lighting import SH_GLSL

VERTEX_SHADER = """
#version 330
uniform mat4 projection;
in vec3 in_position;  // camera space, cm
in vec3 in_normal;
in vec2 in_uv;
out vec3 v_normal;
out vec2 v_uv;
void main() {
    v_normal = in_normal;
    v_uv = in_uv;
    gl_Position = projection * vec4(in_position, 1.0);
}
"""

FRAGMENT_SHADER = """
#version 330
uniform sampler2D albedo;
uniform vec3 light[9];
in vec3 v_normal;
in vec2 v_uv;
layout(location = 0) out vec4 out_color;
layout(location = 1) out vec4 out_normal;
layout(location = 2) out vec4 out_uv;
""" + SH_GLSL + """
void main() {
    vec3 n = normalize(v_normal);
    out_color = vec4(clamp(texture(albedo, v_uv).rgb * sh_shading(n, light), 0.0, 1.0), 1.0);
    out_normal = vec4(n * 0.5 + 0.5, 1.0);
    out_uv = vec4(v_uv, 0.0, 1.0);
}
"""
TARGETS = {"rgba": "f1", "normal": "f1", "uv": "f2"}  # 8-bit colour and normals, half-float UVs


@dataclass
class Render:
    """One frame at size×size, rows top to bottom, as the rasterizer resolved it: every plane is premultiplied by the
    pixel's coverage (anti-aliased edges), so compositing is `rgba[..., :3] + (1 − alpha) · background`."""

    rgba: np.ndarray | None = None  # (S, S, 4) uint8: shaded colour and coverage alpha
    normal_map: np.ndarray | None = None  # (S, S, 4) uint8: camera-space normal encoded as (n + 1) / 2, coverage
    uv_map: np.ndarray | None = None  # (S, S, 4) float16: texture coordinates, 0, coverage

    @property
    def alpha(self) -> np.ndarray:
        plane = next(p for p in (self.rgba, self.normal_map, self.uv_map) if p is not None)
        return plane[..., 3].astype(np.float32) / (255.0 if plane.dtype == np.uint8 else 1.0)

    def color(self) -> np.ndarray:
        """(S, S, 3) float32 colour 0..1, un-premultiplied where alpha > 0."""
        return _unpremultiply(self.rgba[..., :3].astype(np.float32) / 255.0, self.alpha)

    def normals(self) -> np.ndarray:
        """(S, S, 3) float32 unit normals (zero outside the face)."""
        alpha = self.alpha
        n = _unpremultiply(self.normal_map[..., :3].astype(np.float32) / 255.0, alpha) * 2.0 - 1.0
        n *= (alpha > 0)[..., None]
        return n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)

    def uv(self) -> np.ndarray:
        """(S, S, 2) float32 texture coordinates."""
        return _unpremultiply(self.uv_map[..., :2].astype(np.float32), self.alpha)


def _unpremultiply(plane: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    return plane * np.where(alpha > 1e-3, 1.0 / np.maximum(alpha, 1e-3), 0.0)[..., None]


def create_context():
    """A headless OpenGL 3.3 context through EGL, or one clear line saying what the system lacks."""
    import moderngl

    try:
        return moderngl.create_standalone_context(backend="egl", require=330)
    except Exception as exc:  # moderngl/glcontext raise plain Exceptions naming the library
        raise PhadtfError(f"no headless OpenGL context via EGL ({exc}); install the system's EGL and Mesa "
                          "libraries (Debian/Ubuntu: apt-get install libegl1 libgl1-mesa-dri; on NVIDIA hosts the "
                          "driver's libEGL_nvidia)") from exc


def vertex_normals(vertices: np.ndarray, triangles: np.ndarray) -> np.ndarray:
    """Area-weighted unit vertex normals (V, 3) of a counter-clockwise triangle mesh (V, 3)."""
    a, b, c = (vertices[triangles[:, i]] for i in range(3))
    face = np.repeat(np.cross(b - a, c - a), 3, axis=0)
    corners = triangles.reshape(-1)
    normals = np.stack([np.bincount(corners, face[:, k], minlength=len(vertices)) for k in range(3)], axis=1)
    return normals / np.maximum(np.linalg.norm(normals, axis=-1, keepdims=True), 1e-12)


class FaceRenderer:
    """Renders camera-space meshes with one UV topology and one albedo texture; reuse it across frames.

    `samples` = 4 gives anti-aliased output (the renders other stages see); 0 is faster and enough for fitting.
    """

    def __init__(self, triangles: np.ndarray, uv: np.ndarray, texture: np.ndarray | None, size: int,
                 samples: int = 4):
        self.size, self.triangles = int(size), np.asarray(triangles, np.int32)
        self.ctx = ctx = create_context()
        self.program = ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=FRAGMENT_SHADER)
        n = len(uv)
        self.positions = ctx.buffer(reserve=n * 12)
        self.normals = ctx.buffer(reserve=n * 12)
        self.uvs = ctx.buffer(np.asarray(uv, "f4").tobytes())
        index = ctx.buffer(self.triangles.astype("i4").tobytes())
        self.vao = ctx.vertex_array(self.program, [(self.positions, "3f", "in_position"), (self.normals, "3f",
                                    "in_normal"), (self.uvs, "2f", "in_uv")], index_buffer=index, index_element_size=4)
        self.samples = min(int(samples), ctx.max_samples)
        shape = (self.size, self.size)
        self.target = ctx.framebuffer([ctx.renderbuffer(shape, 4, samples=self.samples, dtype=dt)
                                       for dt in TARGETS.values()], ctx.depth_renderbuffer(shape, samples=self.samples))
        self.resolved = self.target if self.samples == 0 else ctx.framebuffer(
            [ctx.renderbuffer(shape, 4, dtype=dt) for dt in TARGETS.values()])
        self.texture = None
        self.set_texture(np.ones((1, 1, 3), np.float32) if texture is None else texture)

    def set_texture(self, texture: np.ndarray) -> None:
        """Albedo image (H, W, 3), linear 0..1, row 0 at v = 0; bilinear (texels are about pixel-sized)."""
        import moderngl

        if self.texture is not None:
            self.texture.release()
        tex = np.ascontiguousarray(texture, "f4")
        self.texture = self.ctx.texture((tex.shape[1], tex.shape[0]), 3, tex.tobytes(), dtype="f4")
        self.texture.filter = (moderngl.LINEAR, moderngl.LINEAR)
        self.texture.repeat_x = self.texture.repeat_y = False

    def render(self, vertices: np.ndarray, intrinsics: np.ndarray, light: np.ndarray, normals: np.ndarray | None = None,
               outputs: tuple[str, ...] = ("rgba", "normal", "uv"), near: float = 1.0, far: float = 1000.0) -> Render:
        """One frame from camera-space vertices (V, 3) cm, crop intrinsics (fx, fy, cx, cy), SH light (27,)."""
        import moderngl

        ctx = self.ctx
        normals = vertex_normals(vertices, self.triangles) if normals is None else normals
        self.positions.write(np.asarray(vertices, "f4").tobytes())
        self.normals.write(np.asarray(normals, "f4").tobytes())
        self.program["projection"].write(gl_projection(intrinsics, self.size, near, far).T.astype("f4").tobytes())
        self.program["light"].write(np.asarray(light, "f4").reshape(9, 3).tobytes())
        self.texture.use(0)
        self.program["albedo"].value = 0
        self.target.use()
        self.target.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.front_face = "ccw"
        self.vao.render(moderngl.TRIANGLES)
        if self.resolved is not self.target:
            ctx.copy_framebuffer(self.resolved, self.target)
        planes = {}
        for i, (name, dtype) in enumerate(TARGETS.items()):
            if name in outputs:
                raw = self.resolved.read(components=4, attachment=i, dtype=dtype)
                planes[name] = np.frombuffer(raw, np.uint8 if dtype == "f1" else np.float16).reshape(
                    self.size, self.size, 4)[::-1]
        return Render(rgba=planes.get("rgba"), normal_map=planes.get("normal"), uv_map=planes.get("uv"))

    def release(self) -> None:
        self.ctx.release()
