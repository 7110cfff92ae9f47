"""Headless OpenGL rasterizer for the face mesh (moderngl on EGL: Mesa's llvmpipe on CPU, NVIDIA's EGL on GPU servers).

One draw per frame of the 898-triangle mesh into a 4× multisampled float framebuffer with three targets — shaded colour
(albedo texture × spherical-harmonics shading), camera-space normal, and texture UV — resolved to single samples, so
edges are anti-aliased and `alpha` is the pixel's coverage. Depth test on; back faces culled (the mesh is
counter-clockwise from the front). Rows come out top to bottom. Varyings are perspective-correct, as OpenGL interpolates them by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

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

# What each output writes; a pass compiles only the requested ones (MSAA resolve costs per target on a CPU).
# All targets are 8-bit (Mesa reads them several times faster than float ones); UVs are split into a high and a low
# byte, and since decoding is linear in the bytes, averaging samples at the edges stays meaningful.
OUTPUTS = {
    "rgba": "out_rgba = vec4(clamp(texture(albedo, v_uv).rgb * sh_shading(n, light), 0.0, 1.0), 1.0);",
    "normal": "out_normal = vec4(n * 0.5 + 0.5, 1.0);",
    "uv": "vec2 scaled = clamp(v_uv, 0.0, 1.0) * 255.0; out_uv = vec4(floor(scaled) / 255.0, fract(scaled));",
}


def fragment_shader(outputs: tuple[str, ...]) -> str:
    targets = "\n".join(f"layout(location = {i}) out vec4 out_{name};" for i, name in enumerate(outputs))
    body = "\n    ".join(OUTPUTS[name] for name in outputs)
    return f"""
#version 330
uniform sampler2D albedo;
uniform vec3 light[9];
in vec3 v_normal;
in vec2 v_uv;
{targets}
{SH_GLSL}
void main() {{
    vec3 n = normalize(v_normal);
    {body}
}}
"""


@dataclass
class Render:
    """One frame at size×size, rows top to bottom, as the rasterizer resolved it: every plane is premultiplied by the
    pixel's coverage (anti-aliased edges), so compositing is `rgba[..., :3] + (1 − alpha) · background`."""

    rgba: np.ndarray | None = None  # (S, S, 4) uint8: shaded colour and coverage alpha
    normal_map: np.ndarray | None = None  # (S, S, 4) uint8: camera-space normal encoded as (n + 1) / 2, coverage
    uv_map: np.ndarray | None = None  # (S, S, 4) uint8: u, v as high bytes then low bytes (alpha: from the others)

    @cached_property
    def alpha(self) -> np.ndarray:
        plane = self.rgba if self.rgba is not None else self.normal_map
        return plane[..., 3].astype(np.float32) / 255.0

    def color(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Colour 0..1, un-premultiplied: (S, S, 3), or (N, 3) at the pixels of a boolean mask."""
        return self._decode(self.rgba[..., :3], mask) / 255.0

    def normals(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Unit camera-space normals: (S, S, 3) (zero outside the face), or (N, 3) at the pixels of a mask."""
        n = self._decode(self.normal_map[..., :3], mask) / 127.5 - 1.0
        n = n / np.maximum(np.linalg.norm(n, axis=-1, keepdims=True), 1e-6)
        return n if mask is not None else n * (self.alpha > 0)[..., None]

    def uv(self, mask: np.ndarray | None = None) -> np.ndarray:
        """Texture coordinates: (S, S, 2), or (N, 2) at the pixels of a mask."""
        raw = self._decode(self.uv_map, mask)
        return (raw[..., :2] + raw[..., 2:] / 255.0) / 255.0

    def _decode(self, plane: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
        """Selected (or all) premultiplied values divided by their pixel's coverage (float32, still in bytes)."""
        alpha = self.alpha
        values, coverage = (plane, alpha) if mask is None else (plane[mask], alpha[mask])
        return values.astype(np.float32) * np.where(coverage > 1e-3, 1.0 / np.maximum(coverage, 1e-3), 0.0)[..., None]


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
        n = len(uv)
        self.positions = ctx.buffer(reserve=n * 12)
        self.normals = ctx.buffer(reserve=n * 12)
        self.uvs = ctx.buffer(np.asarray(uv, "f4").tobytes())
        self.index = ctx.buffer(self.triangles.astype("i4").tobytes())
        self.samples = min(int(samples), ctx.max_samples)
        self._passes: dict[tuple[str, ...], tuple] = {}
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

        outputs = tuple(name for name in OUTPUTS if name in outputs)
        if not {"rgba", "normal"} & set(outputs):
            raise ValueError("outputs need 'rgba' or 'normal' (they carry the coverage alpha)")
        program, vao, target, resolved = self._pass(outputs)
        ctx = self.ctx
        normals = vertex_normals(vertices, self.triangles) if normals is None else normals
        self.positions.write(np.asarray(vertices, "f4").tobytes())
        self.normals.write(np.asarray(normals, "f4").tobytes())
        program["projection"].write(gl_projection(intrinsics, self.size, near, far).T.astype("f4").tobytes())
        if "rgba" in outputs:
            program["light"].write(np.asarray(light, "f4").reshape(9, 3).tobytes())
            self.texture.use(0)
            program["albedo"].value = 0
        target.use()
        target.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        ctx.enable(moderngl.DEPTH_TEST | moderngl.CULL_FACE)
        ctx.front_face = "cw"  # counter-clockwise from the front, mirrored by the y-down projection
        vao.render(moderngl.TRIANGLES)
        if resolved is not target:
            ctx.copy_framebuffer(resolved, target)
        planes = {name: np.frombuffer(resolved.read(components=4, attachment=i, dtype="f1"), np.uint8)
                  .reshape(self.size, self.size, 4) for i, name in enumerate(outputs)}
        return Render(rgba=planes.get("rgba"), normal_map=planes.get("normal"), uv_map=planes.get("uv"))

    def _pass(self, outputs: tuple[str, ...]) -> tuple:
        """Program, vertex array and framebuffers for one set of outputs, made on first use."""
        if outputs not in self._passes:
            ctx, shape = self.ctx, (self.size, self.size)
            program = ctx.program(vertex_shader=VERTEX_SHADER, fragment_shader=fragment_shader(outputs))
            vao = ctx.vertex_array(program, [(self.positions, "3f", "in_position"), (self.normals, "3f", "in_normal"),
                                             (self.uvs, "2f", "in_uv")], index_buffer=self.index,
                                   index_element_size=4)
            target = ctx.framebuffer([ctx.renderbuffer(shape, 4, samples=self.samples) for _ in outputs],
                                     ctx.depth_renderbuffer(shape, samples=self.samples))
            resolved = target if self.samples == 0 else ctx.framebuffer([ctx.renderbuffer(shape, 4) for _ in outputs])
            self._passes[outputs] = (program, vao, target, resolved)
        return self._passes[outputs]

    def release(self) -> None:
        self.ctx.release()
