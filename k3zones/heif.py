"""HEIC/HEIF pixels through FFmpeg's HEVC decoder (PyAV), at the size the web image needs.

libheif (through pillow-heif) decodes with libde265: 80-85% of a phone HEIC's processing
time, twice what FFmpeg's decoder needs for the same tiles. A phone HEIC is a grid of
HEVC tiles (512x512) plus transforms (rotation, mirror) in the file's `meta` box. Here the
box is read (only what a grid or a single HEVC image needs), the tiles are decoded by
FFmpeg (which exposes every HEIF item as a stream whose id is the item id), laid out, and
converted to RGB and scaled down in one swscale call; the transforms are applied last, to
the small image. Anything this module does not fully understand (a crop, layers, other
codecs, more than 8 bits, odd sizes, a damaged file) gives None, and the caller decodes
through libheif as before. The input is untrusted: every size is checked before it is used,
and nothing here reads past a box or allocates by a count the file gives without a bound.
"""

from __future__ import annotations

import logging
import math
import os
import struct
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image

log = logging.getLogger(__name__)

# The meta box of a phone photo is a few KB; the bound keeps a hostile one from being read.
MAX_META_BYTES = 1 << 20
MAX_TOP_LEVEL_BOXES = 64
# A 64 MP limit (imaging.MAX_PIXELS) in 512 px tiles is ~250; a grid of tiny tiles is not
# worth decoding this way.
MAX_TILES = 1024

# HEIF transformative properties, as Pillow transposes: irot is anticlockwise quarter turns,
# imir's axis 0 is a vertical axis (left and right swap), 1 a horizontal one.
_ROTATE = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_270,
}
_MIRROR = {0: Image.Transpose.FLIP_LEFT_RIGHT, 1: Image.Transpose.FLIP_TOP_BOTTOM}

# nclx matrix_coefficients (ITU-T H.273, the numbering FFmpeg's colourspaces share) that
# swscale converts from; 2 (unspecified) is read as BT.601, as libheif does.
_MATRICES = {1: 1, 2: 6, 4: 4, 5: 5, 6: 6, 7: 7, 9: 9, 10: 10}

# Properties that change nothing in the pixels this module produces. Any other property
# associated with the image (clap, lsel, a1op, ...) sends it to libheif.
_HARMLESS = {b"ispe", b"pixi", b"colr", b"hvcC", b"pasp", b"irot", b"imir"}
_TILE = {b"ispe", b"pixi", b"colr", b"hvcC", b"pasp"}


class _Bad(Exception):
    """The file is not what this module handles: the caller falls back to libheif."""


@dataclass(frozen=True)
class Layout:
    """What the primary image of a HEIF file is made of."""

    width: int  # the image before its transforms (a grid's output size)
    height: int
    tiles: tuple[int, ...]  # item ids of the HEVC tiles, row by row (one: a plain image)
    columns: int
    rows: int
    transforms: tuple[Image.Transpose, ...]  # in the order they apply
    matrix: int | None  # nclx matrix_coefficients, when the file says
    full_range: bool | None

    @property
    def turned(self) -> bool:
        """An odd number of quarter turns: width and height swap."""
        turns = sum(
            t in (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270) for t in self.transforms
        )
        return turns % 2 == 1


def _boxes(buf: memoryview, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in buf[start:end]."""
    out: list[tuple[bytes, int, int]] = []
    at = start
    while at < end:
        if end - at < 8 or len(out) >= 4096:
            raise _Bad("box header")
        size, kind = struct.unpack_from(">I4s", buf, at)
        head = 8
        if size == 1:
            if end - at < 16:
                raise _Bad("box header")
            (size,) = struct.unpack_from(">Q", buf, at + 8)
            head = 16
        elif size == 0:
            size = end - at
        if size < head or at + size > end:
            raise _Bad("box size")
        out.append((bytes(kind), at + head, at + size))
        at += size
    return out


def _read_meta(f: IO[bytes]) -> bytes:
    """The top-level meta box's payload, found by walking the file's box headers."""
    f.seek(0, os.SEEK_END)
    total = f.tell()
    at = 0
    for _ in range(MAX_TOP_LEVEL_BOXES):
        if total - at < 8:
            break
        f.seek(at)
        head = f.read(16)
        size, kind = struct.unpack_from(">I4s", head)
        skip = 8
        if size == 1:
            if len(head) < 16:
                raise _Bad("box header")
            (size,) = struct.unpack_from(">Q", head, 8)
            skip = 16
        elif size == 0:
            size = total - at
        if size < skip or at + size > total:
            raise _Bad("box size")
        if kind == b"meta":
            if size > MAX_META_BYTES:
                raise _Bad("meta too large")
            f.seek(at + skip)
            data = f.read(size - skip)
            if len(data) != size - skip:
                raise _Bad("meta cut short")
            return data
        at += size
    raise _Bad("no meta box")


def _u(buf: memoryview, at: int, n: int, end: int) -> int:
    """An unsigned big-endian integer of n bytes (0, 2, 4 or 8) inside buf[:end]."""
    if n == 0:
        return 0
    if at + n > end:
        raise _Bad("field past its box")
    return int.from_bytes(buf[at : at + n], "big")


def layout(f: IO[bytes]) -> Layout:
    """Read the primary image's layout from a HEIF file; _Bad when it is not handled."""
    meta = memoryview(_read_meta(f))
    if len(meta) < 4 or meta[0] != 0:
        raise _Bad("meta version")
    boxes: dict[bytes, tuple[int, int]] = {}
    for box, a, b in _boxes(meta, 4, len(meta)):
        boxes.setdefault(box, (a, b))
    for need in (b"hdlr", b"pitm", b"iinf", b"iprp"):
        if need not in boxes:
            raise _Bad(f"no {need!r}")
    a, b = boxes[b"hdlr"]
    if bytes(meta[a + 8 : a + 12]) != b"pict":
        raise _Bad("not a picture")
    a, b = boxes[b"pitm"]
    primary = _u(meta, a + 4, 2 if meta[a] == 0 else 4, b)

    types = _item_types(meta, *boxes[b"iinf"])
    item_type = types.get(primary)
    props, assoc = _properties(meta, *boxes[b"iprp"])
    if any(i > len(props) for i in assoc.get(primary, ())):
        raise _Bad("property index")
    mine = [props[i - 1] for i in assoc.get(primary, ()) if i]  # 1-based; 0 is none
    if any(p[0] not in _HARMLESS for p in mine):
        raise _Bad("a property this module does not apply")
    transforms: list[Image.Transpose] = []
    ispe: tuple[int, int] | None = None
    matrix: int | None = None
    full_range: bool | None = None
    for ptype, pa, pb in mine:
        if ptype == b"irot":
            turns = _u(meta, pa, 1, pb) & 3
            if turns:
                transforms.append(_ROTATE[turns])
        elif ptype == b"imir":
            transforms.append(_MIRROR[_u(meta, pa, 1, pb) & 1])
        elif ptype == b"ispe":
            ispe = (_u(meta, pa + 4, 4, pb), _u(meta, pa + 8, 4, pb))
        elif ptype == b"pixi":
            n = _u(meta, pa + 4, 1, pb)
            if n == 0 or any(_u(meta, pa + 5 + i, 1, pb) != 8 for i in range(n)):
                raise _Bad("not 8 bits")
        elif ptype == b"colr" and bytes(meta[pa : pa + 4]) == b"nclx":
            matrix = _u(meta, pa + 8, 2, pb)
            full_range = bool(_u(meta, pa + 10, 1, pb) & 0x80)

    if item_type == b"hvc1":
        if ispe is None:
            raise _Bad("no size")
        tiles: tuple[int, ...] = (primary,)
        columns = rows = 1
        width, height = ispe
    elif item_type == b"grid":
        if b"iref" not in boxes or b"iloc" not in boxes:
            raise _Bad("grid without references")
        tiles = _references(meta, *boxes[b"iref"]).get((b"dimg", primary), ())
        data = _item_data(meta, boxes, primary, f)
        if len(data) < 8 or data[0] != 0:
            raise _Bad("grid version")
        rows, columns = data[2] + 1, data[3] + 1
        if data[1] & 1:
            if len(data) < 12:
                raise _Bad("grid size")
            width, height = struct.unpack_from(">II", data, 4)
        else:
            width, height = struct.unpack_from(">HH", data, 4)
        if any(types.get(t) != b"hvc1" for t in tiles):
            raise _Bad("tiles are not HEVC")
        for t in set(tiles):  # a tile's own transform or crop is for libheif to apply
            if any(
                not 0 < i <= len(props) or props[i - 1][0] not in _TILE for i in assoc.get(t, ())
            ):
                raise _Bad("a tile property this module does not apply")
    else:
        raise _Bad(f"primary item {item_type!r}")
    if len(tiles) != rows * columns or not 0 < len(tiles) <= MAX_TILES:
        raise _Bad("tile count")
    if not (0 < width <= 65535 and 0 < height <= 65535) or width % 2 or height % 2:
        raise _Bad("size")
    return Layout(width, height, tiles, columns, rows, tuple(transforms), matrix, full_range)


def _item_types(meta: memoryview, a: int, b: int) -> dict[int, bytes]:
    version = meta[a]
    n = _u(meta, a + 4, 2 if version == 0 else 4, b)
    start = a + (6 if version == 0 else 8)
    types: dict[int, bytes] = {}
    for kind, pa, pb in _boxes(meta, start, b)[:n]:
        if kind != b"infe":
            continue
        v = meta[pa]
        if v < 2:
            raise _Bad("infe version")
        id_len = 2 if v == 2 else 4
        item = _u(meta, pa + 4, id_len, pb)
        at = pa + 4 + id_len + 2
        if at + 4 > pb:
            raise _Bad("infe")
        types[item] = bytes(meta[at : at + 4])
    return types


def _properties(
    meta: memoryview, a: int, b: int
) -> tuple[list[tuple[bytes, int, int]], dict[int, list[int]]]:
    """ipco's properties (1-based in ipma) and, per item, the indices associated with it,
    in their order (the order transforms apply in)."""
    inner = {kind: (pa, pb) for kind, pa, pb in _boxes(meta, a, b)}
    if b"ipco" not in inner or b"ipma" not in inner:
        raise _Bad("no properties")
    props = _boxes(meta, *inner[b"ipco"])
    pa, pb = inner[b"ipma"]
    version, flags = meta[pa], _u(meta, pa + 1, 3, pb)
    n = _u(meta, pa + 4, 4, pb)
    at = pa + 8
    assoc: dict[int, list[int]] = {}
    id_len = 2 if version < 1 else 4
    wide = bool(flags & 1)
    for _ in range(min(n, 65536)):
        item = _u(meta, at, id_len, pb)
        count = _u(meta, at + id_len, 1, pb)
        at += id_len + 1
        idx = []
        for _ in range(count):
            if wide:
                idx.append(_u(meta, at, 2, pb) & 0x7FFF)
                at += 2
            else:
                idx.append(_u(meta, at, 1, pb) & 0x7F)
                at += 1
        assoc[item] = idx
    return props, assoc


def _references(meta: memoryview, a: int, b: int) -> dict[tuple[bytes, int], tuple[int, ...]]:
    version = meta[a]
    id_len = 2 if version == 0 else 4
    refs: dict[tuple[bytes, int], tuple[int, ...]] = {}
    for kind, pa, pb in _boxes(meta, a + 4, b):
        src = _u(meta, pa, id_len, pb)
        count = _u(meta, pa + id_len, 2, pb)
        at = pa + id_len + 2
        if at + count * id_len > pb:
            raise _Bad("iref")
        refs[(kind, src)] = tuple(_u(meta, at + i * id_len, id_len, pb) for i in range(count))
    return refs


def _item_data(
    meta: memoryview, boxes: dict[bytes, tuple[int, int]], item: int, f: IO[bytes]
) -> bytes:
    """An item's bytes (a grid's descriptor: a few bytes) from iloc: in idat or the file."""
    a, b = boxes[b"iloc"]
    version = meta[a]
    if version > 2:
        raise _Bad("iloc version")
    sizes = _u(meta, a + 4, 2, b)
    off_len, len_len, base_len = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
    idx_len = sizes & 15 if version in (1, 2) else 0
    if any(n not in (0, 4, 8) for n in (off_len, len_len, base_len, idx_len)):
        raise _Bad("iloc field size")
    n = _u(meta, a + 6, 2 if version < 2 else 4, b)
    at = a + (8 if version < 2 else 10)
    id_len = 2 if version < 2 else 4
    for _ in range(min(n, 65536)):
        this = _u(meta, at, id_len, b)
        at += id_len
        method = 0
        if version in (1, 2):
            method = _u(meta, at, 2, b) & 15
            at += 2
        at += 2  # data_reference_index
        base = _u(meta, at, base_len, b)
        at += base_len
        extents = _u(meta, at, 2, b)
        at += 2
        spans = []
        for _ in range(extents):
            at += idx_len
            off = _u(meta, at, off_len, b)
            length = _u(meta, at + off_len, len_len, b)
            at += off_len + len_len
            spans.append((base + off, length))
        if this != item:
            continue
        if len(spans) != 1 or not 0 < spans[0][1] <= 64:
            raise _Bad("grid descriptor extent")
        off, length = spans[0]
        if method == 1:
            if b"idat" not in boxes:
                raise _Bad("no idat")
            ia, ib = boxes[b"idat"]
            if ia + off + length > ib:
                raise _Bad("idat extent")
            return bytes(meta[ia + off : ia + off + length])
        if method == 0:
            f.seek(off)
            data = f.read(length)
            if len(data) != length:
                raise _Bad("extent past the file")
            return data
        raise _Bad("construction method")
    raise _Bad("item not located")


def thumbnail_size(w: int, h: int, box: int) -> tuple[int, int]:
    """The size Pillow's Image.thumbnail((box, box)) gives a w x h image (its rounding)."""
    if w <= box and h <= box:
        return w, h

    def round_aspect(number: float, key: Any) -> int:
        return max(min(math.floor(number), math.ceil(number), key=key), 1)

    aspect = w / h
    if aspect <= 1:
        return round_aspect(box * aspect, key=lambda n: abs(aspect - n / box)), box
    return box, round_aspect(box / aspect, key=lambda n: 0 if n == 0 else abs(aspect - box / n))


_pool: tuple[int, ThreadPoolExecutor] | None = None


def _threads() -> ThreadPoolExecutor:
    # One small pool per process (FFmpeg decodes outside the GIL), made in the process that
    # uses it: a pool inherited through fork (a Celery child) has no threads behind it.
    global _pool
    if _pool is None or _pool[0] != os.getpid():
        _pool = (os.getpid(), ThreadPoolExecutor(max(1, min(2, os.cpu_count() or 1)), "heif"))
    return _pool[1]


def decode_fit(src: IO[bytes], box: int) -> Image.Image | None:
    """The primary image of a HEIF file, upright by its transforms, as RGB no larger than
    box x box (the size Image.thumbnail would give): None when this module does not handle
    the file (the caller uses libheif, which also says what is wrong with a damaged one)."""
    try:
        lay = layout(src)
    except (_Bad, IndexError, ValueError, struct.error) as exc:
        log.debug("heif: libheif decodes this one (%s)", exc)
        return None
    try:
        src.seek(0)
        return _decode(src, lay, box)
    except _Bad as exc:
        log.debug("heif: libheif decodes this one (%s)", exc)
    except Exception as exc:  # FFmpeg refused a stream or a packet
        log.info(
            "heif: FFmpeg could not decode (%s: %s); libheif decodes it", type(exc).__name__, exc
        )
    return None


def _decode(src: IO[bytes], lay: Layout, box: int) -> Image.Image:
    # Loaded here: only a worker decoding a HEIC needs FFmpeg (and its ~20 MB).
    import av
    import numpy as np

    w, h = lay.width, lay.height
    with av.open(src, mode="r", format="mov") as c:
        by_item = {st.id: st for st in c.streams.video}
        streams = [by_item.get(t) for t in lay.tiles]
        if any(st is None or st.codec_context.name != "hevc" for st in streams):
            raise _Bad("a tile is not an HEVC stream")
        chosen = [st for st in streams if st is not None]
        tw, th = chosen[0].codec_context.width, chosen[0].codec_context.height
        if tw <= 0 or th <= 0 or tw % 2 or th % 2:
            raise _Bad("tile size")
        if (
            not (lay.columns - 1) * tw < w <= lay.columns * tw
            and (lay.rows - 1) * th < h <= lay.rows * th
        ):
            raise _Bad("tiles do not cover the image")
        for st in chosen:
            st.thread_type = "NONE"  # tiles are decoded side by side instead
        packets: dict[int, Any] = {}
        for pkt in c.demux(*chosen):
            if pkt.size and pkt.stream.index not in packets:
                packets[pkt.stream.index] = pkt
        if len(packets) != len(chosen):
            raise _Bad("a tile has no data")
        # The tiles are written straight into the full-size frame's planes (cropped at the
        # right and bottom edges), each by the thread that decoded it.
        full = av.VideoFrame(w, h, "yuv420p")
        dst = [
            np.frombuffer(memoryview(full.planes[i]), np.uint8).reshape(
                ph, full.planes[i].line_size
            )
            for i, ph in enumerate((h, h // 2, h // 2))
        ]
        kinds: set[tuple[str, int, int]] = set()

        def one(i: int) -> None:
            st = chosen[i]
            frames = packets[st.index].decode() + st.codec_context.decode(None)
            if len(frames) != 1:
                raise _Bad("a tile is not one frame")
            f = frames[0]
            if (f.width, f.height) != (tw, th) or f.format.name not in ("yuv420p", "yuvj420p"):
                raise _Bad("tile format")
            kinds.add((f.format.name, int(f.colorspace), int(f.color_range)))
            r, q = divmod(i, lay.columns)
            for plane, div in ((0, 1), (1, 2), (2, 2)):
                x0, y0 = q * tw // div, r * th // div
                cw, ch = min(tw // div, w // div - x0), min(th // div, h // div - y0)
                if cw <= 0 or ch <= 0:
                    continue
                src_plane = f.planes[plane]
                rows = np.frombuffer(src_plane, np.uint8).reshape(th // div, src_plane.line_size)
                dst[plane][y0 : y0 + ch, x0 : x0 + cw] = rows[:ch, :cw]

        list(_threads().map(one, range(len(chosen))))
    if len(kinds) != 1:
        raise _Bad("tiles differ")
    ((fmt, colorspace, color_range),) = kinds
    # The size Pillow's thumbnail would give the upright image, before the turn.
    fw, fh = thumbnail_size(h, w, box) if lay.turned else thumbnail_size(w, h, box)
    ow, oh = (fh, fw) if lay.turned else (fw, fh)
    matrix = _MATRICES.get(lay.matrix if lay.matrix is not None else colorspace)
    if matrix is None:
        raise _Bad(f"colour matrix {lay.matrix}")
    if lay.full_range is not None:
        full_range = lay.full_range
    else:
        full_range = fmt == "yuvj420p" or color_range == 2
    rgb = full.reformat(
        width=ow,
        height=oh,
        format="rgb24",
        interpolation="BICUBIC",
        src_colorspace=matrix,
        src_color_range=2 if full_range else 1,
        dst_color_range=2,
    )
    img = Image.fromarray(rgb.to_ndarray(), "RGB")
    for t in lay.transforms:
        img = img.transpose(t)
    return img
