"""HEIC/HEIF pixels through FFmpeg's HEVC decoder (PyAV), at the size the web image needs.

libheif (through pillow-heif) decodes with libde265: 80-85% of a phone HEIC's processing
time, about twice what FFmpeg's decoder needs for the same tiles. A phone HEIC is a grid of
HEVC tiles (512x512) plus transforms (rotation, mirror) in the file's `meta` box. Here the
box is read (only what a grid or a single HEVC image needs), each tile's coded bytes are
taken from where `iloc` says and handed to an HEVC decoder configured by the tile's `hvcC`
(no container demuxer sees the file), the tiles are laid into one YUV frame, converted to
RGB and scaled down in one swscale call, and the transforms are applied to the small image.

Anything this module does not fully understand (a crop, layers, alpha, other codecs, more
than 8 bits, odd sizes, a grid that does not match its tiles, a damaged box) gives None, and
the caller decodes through libheif as before. The input is untrusted: counts and sizes from
the file are bounded before they are used (libheif's own limits where it has them), and
every offset is checked against the box or the file it points into.
"""

from __future__ import annotations

import logging
import math
import os
import threading
from concurrent.futures import FIRST_EXCEPTION, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image

log = logging.getLogger(__name__)

# The meta box of a phone photo is a few KB; the bound keeps a hostile one from being read.
MAX_META_BYTES = 1 << 20
MAX_TOP_LEVEL_BOXES = 64
MAX_BOXES = 4096  # children of one box
# As libheif: items in a file, extents per item.
MAX_ITEMS = 1000
MAX_EXTENTS = 32
# 64 MP (imaging.MAX_PIXELS) in 512 px tiles is ~250; a grid of tiny tiles goes to libheif.
MAX_TILES = 1024

# HEIF transformative properties, as Pillow transposes. irot: anticlockwise quarter turns.
# imir: 0 swaps top and bottom, 1 left and right (ISO/IEC 23008-12's `mode`; libheif and
# FFmpeg read the older `axis` the same way).
_ROTATE = {
    1: Image.Transpose.ROTATE_90,
    2: Image.Transpose.ROTATE_180,
    3: Image.Transpose.ROTATE_270,
}
_MIRROR = {0: Image.Transpose.FLIP_TOP_BOTTOM, 1: Image.Transpose.FLIP_LEFT_RIGHT}

# nclx matrix_coefficients (ITU-T H.273, the numbering FFmpeg's colourspaces share) that
# swscale converts from; 2 (unspecified) is read as BT.601, as libheif does.
_MATRICES = {1: 1, 2: 6, 4: 4, 5: 5, 6: 6, 7: 7, 9: 9, 10: 10}

# Properties of the image that change nothing in the pixels this module produces. Any other
# (clap, lsel, a1op, ...) sends the file to libheif. A tile may carry fewer.
_IMAGE = {b"ispe", b"pixi", b"colr", b"hvcC", b"pasp", b"irot", b"imir"}
_TILE = {b"ispe", b"pixi", b"colr", b"hvcC", b"pasp"}


class _Bad(Exception):
    """The file is not what this module handles: the caller falls back to libheif."""


@dataclass(frozen=True)
class Tile:
    config: bytes  # the hvcC payload: the decoder's configuration (VPS, SPS, PPS)
    extents: tuple[tuple[int, int, int], ...]  # (construction method, offset, length)


@dataclass(frozen=True)
class Layout:
    """What the primary image of a HEIF file is made of."""

    width: int  # the image before its transforms (a grid's output size)
    height: int
    columns: int
    rows: int
    tile_width: int
    tile_height: int
    tiles: tuple[Tile, ...]  # row by row (one: a plain image)
    transforms: tuple[Image.Transpose, ...]  # in the order they apply
    matrix: int | None  # nclx matrix_coefficients and range, when the file says
    full_range: bool | None
    idat: bytes  # item data stored in the meta box (construction method 1)

    @property
    def turned(self) -> bool:
        """An odd number of quarter turns: width and height swap."""
        quarter = (Image.Transpose.ROTATE_90, Image.Transpose.ROTATE_270)
        return sum(t in quarter for t in self.transforms) % 2 == 1


# --- reading boxes ----------------------------------------------------------------------


def _u(buf: memoryview, at: int, n: int, end: int) -> int:
    """An unsigned big-endian integer of n bytes (0 to 8) inside buf[:end]."""
    if n == 0:
        return 0
    if at < 0 or at + n > end:
        raise _Bad("field past its box")
    return int.from_bytes(buf[at : at + n], "big")


def _header(buf: memoryview, at: int, end: int, room: int) -> tuple[bytes, int, int]:
    """The box header at buf[at:end]: (type, header length, box size). `room`: the bytes
    from `at` to the end of what holds the box (a size of 0 means all of it)."""
    size, head = _u(buf, at, 4, end), 8
    kind = bytes(buf[at + 4 : at + 8])
    if size == 1:
        size, head = _u(buf, at + 8, 8, end), 16
    elif size == 0:
        size = room
    if size < head or size > room:
        raise _Bad("box size")
    return kind, head, size


def _boxes(buf: memoryview, start: int, end: int) -> list[tuple[bytes, int, int]]:
    """(type, payload start, payload end) of the boxes in buf[start:end]."""
    out: list[tuple[bytes, int, int]] = []
    at = start
    while at < end:
        if len(out) >= MAX_BOXES:
            raise _Bad("too many boxes")
        kind, head, size = _header(buf, at, end, end - at)
        out.append((kind, at + head, at + size))
        at += size
    return out


def _file_size(f: IO[bytes]) -> int:
    f.seek(0, os.SEEK_END)
    return f.tell()


def _read(f: IO[bytes], size: int, at: int, n: int) -> bytes:
    if at < 0 or n < 0 or at + n > size:
        raise _Bad("extent past the file")
    f.seek(at)
    data = f.read(n)
    if len(data) != n:
        raise _Bad("file cut short")
    return data


def _read_meta(f: IO[bytes], size: int) -> bytes:
    """The top-level meta box's payload, found by walking the file's box headers."""
    at = 0
    for _ in range(MAX_TOP_LEVEL_BOXES):
        if size - at < 8:
            break
        head = memoryview(_read(f, size, at, min(16, size - at)))
        kind, skip, box = _header(head, 0, len(head), size - at)
        if kind == b"meta":
            if box > MAX_META_BYTES:
                raise _Bad("meta too large")
            return _read(f, size, at + skip, box - skip)
        at += box
    raise _Bad("no meta box")


class _Meta:
    """The tables of a meta box that locate and describe images."""

    def __init__(self, meta: memoryview) -> None:
        self.buf = meta
        end = len(meta)
        if _u(meta, 0, 1, end) != 0:
            raise _Bad("meta version")
        boxes: dict[bytes, list[tuple[int, int]]] = {}
        for kind, a, b in _boxes(meta, 4, end):
            boxes.setdefault(kind, []).append((a, b))
        for need in (b"hdlr", b"pitm", b"iinf", b"iprp", b"iloc"):
            if len(boxes.get(need, ())) != 1:
                raise _Bad(f"{need!r} missing or repeated")
        (a, b) = boxes[b"hdlr"][0]
        if b - a < 12 or bytes(meta[a + 8 : a + 12]) != b"pict":
            raise _Bad("not a picture")
        (a, b) = boxes[b"pitm"][0]
        self.primary = _u(meta, a + 4, 2 if _u(meta, a, 1, b) == 0 else 4, b)
        self.types = self._types(*boxes[b"iinf"][0])
        self.refs = self._refs(boxes.get(b"iref", []))
        self.props, self.assoc = self._properties(*boxes[b"iprp"][0])
        self.locations = self._locations(*boxes[b"iloc"][0])
        idat = boxes.get(b"idat", [])
        if len(idat) > 1:
            raise _Bad("idat repeated")
        self.idat = bytes(meta[idat[0][0] : idat[0][1]]) if idat else b""

    def _types(self, a: int, b: int) -> dict[int, bytes]:
        m = self.buf
        version = _u(m, a, 1, b)
        start = a + (6 if version == 0 else 8)
        types: dict[int, bytes] = {}
        for kind, pa, pb in _boxes(m, start, b):
            if kind != b"infe":
                continue
            v = _u(m, pa, 1, pb)
            if v < 2:
                raise _Bad("infe version")
            id_len = 2 if v == 2 else 4
            item = _u(m, pa + 4, id_len, pb)
            at = pa + 4 + id_len + 2
            if at + 4 > pb or item in types or len(types) >= MAX_ITEMS:
                raise _Bad("infe")
            types[item] = bytes(m[at : at + 4])
        return types

    def _refs(self, iref: list[tuple[int, int]]) -> list[tuple[bytes, int, tuple[int, ...]]]:
        m, refs = self.buf, []
        if len(iref) > 1:
            raise _Bad("iref repeated")
        for a, b in iref:
            id_len = 2 if _u(m, a, 1, b) == 0 else 4
            for kind, pa, pb in _boxes(m, a + 4, b):
                src = _u(m, pa, id_len, pb)
                count = _u(m, pa + id_len, 2, pb)
                at = pa + id_len + 2
                if at + count * id_len > pb:
                    raise _Bad("iref")
                to = tuple(_u(m, at + i * id_len, id_len, pb) for i in range(count))
                refs.append((kind, src, to))
        return refs

    def _properties(
        self, a: int, b: int
    ) -> tuple[list[tuple[bytes, int, int]], dict[int, list[int]]]:
        """ipco's properties (1-based in ipma) and, per item, the indices associated with
        it, in their order (the order transforms apply in)."""
        m = self.buf
        inner: dict[bytes, list[tuple[int, int]]] = {}
        for kind, pa, pb in _boxes(m, a, b):
            inner.setdefault(kind, []).append((pa, pb))
        if len(inner.get(b"ipco", ())) != 1 or len(inner.get(b"ipma", ())) != 1:
            raise _Bad("ipco or ipma missing or repeated")
        props = _boxes(m, *inner[b"ipco"][0])
        pa, pb = inner[b"ipma"][0]
        version, flags = _u(m, pa, 1, pb), _u(m, pa + 1, 3, pb)
        n = _u(m, pa + 4, 4, pb)
        if n > MAX_ITEMS:
            raise _Bad("ipma entries")
        at = pa + 8
        id_len, wide = (2 if version < 1 else 4), bool(flags & 1)
        assoc: dict[int, list[int]] = {}
        for _ in range(n):
            item = _u(m, at, id_len, pb)
            count = _u(m, at + id_len, 1, pb)
            at += id_len + 1
            if item in assoc:
                raise _Bad("ipma entry repeated")
            if wide:
                idx = [_u(m, at + 2 * i, 2, pb) & 0x7FFF for i in range(count)]
            else:
                idx = [_u(m, at + i, 1, pb) & 0x7F for i in range(count)]
            at += count * (2 if wide else 1)
            if any(i > len(props) for i in idx):
                raise _Bad("property index")
            assoc[item] = [i for i in idx if i]  # 0 means none
        return props, assoc

    def _locations(self, a: int, b: int) -> dict[int, tuple[int, tuple[tuple[int, int], ...]]]:
        """iloc: per item, its construction method and its extents (offset, length)."""
        m = self.buf
        version = _u(m, a, 1, b)
        if version > 2:
            raise _Bad("iloc version")
        sizes = _u(m, a + 4, 2, b)
        off_len, len_len, base_len = sizes >> 12, (sizes >> 8) & 15, (sizes >> 4) & 15
        idx_len = sizes & 15 if version in (1, 2) else 0
        if any(n not in (0, 4, 8) for n in (off_len, len_len, base_len, idx_len)):
            raise _Bad("iloc field size")
        id_len = 2 if version < 2 else 4
        n = _u(m, a + 6, id_len, b)
        if n > MAX_ITEMS:
            raise _Bad("iloc items")
        at = a + 6 + id_len
        out: dict[int, tuple[int, tuple[tuple[int, int], ...]]] = {}
        for _ in range(n):
            item = _u(m, at, id_len, b)
            at += id_len
            method = 0
            if version in (1, 2):
                method = _u(m, at, 2, b) & 15
                at += 2
            reference = _u(m, at, 2, b)  # 0: this file; another file is for libheif
            base = _u(m, at + 2, base_len, b)
            count = _u(m, at + 2 + base_len, 2, b)
            at += 2 + base_len + 2
            if count > MAX_EXTENTS or item in out:
                raise _Bad("iloc extents")
            spans = []
            for _ in range(count):
                at += idx_len
                off, length = _u(m, at, off_len, b), _u(m, at + off_len, len_len, b)
                at += off_len + len_len
                spans.append((base + off, length))
            out[item] = (method if reference == 0 else -1, tuple(spans))
        return out

    def properties_of(self, item: int) -> list[tuple[bytes, int, int]]:
        return [self.props[i - 1] for i in self.assoc.get(item, ())]

    def only(self, item: int, kind: bytes, colr: bytes | None = None) -> tuple[int, int] | None:
        """The property of a kind (a colr of a colour type) associated with an item; one
        given twice sends the file to libheif (which reads the first of some, the last of
        others)."""
        found = [
            (a, b)
            for k, a, b in self.properties_of(item)
            if k == kind and (colr is None or bytes(self.buf[a : a + 4]) == colr)
        ]
        if len(found) > 1:
            raise _Bad(f"{kind!r} given twice")
        return found[0] if found else None

    def ispe(self, item: int) -> tuple[int, int]:
        p = self.only(item, b"ispe")
        if p is None:
            raise _Bad("no size")
        a, b = p
        return _u(self.buf, a + 4, 4, b), _u(self.buf, a + 8, 4, b)

    def nclx(self, item: int) -> tuple[int, bool] | None:
        p = self.only(item, b"colr", b"nclx")
        if p is None:
            return None
        a, b = p
        return _u(self.buf, a + 8, 2, b), bool(_u(self.buf, a + 10, 1, b) & 0x80)

    def check_8_bits(self, item: int) -> None:
        p = self.only(item, b"pixi")
        if p is not None:
            a, b = p
            n = _u(self.buf, a + 4, 1, b)
            if n == 0 or any(_u(self.buf, a + 5 + i, 1, b) != 8 for i in range(n)):
                raise _Bad("not 8 bits")

    def aux_type(self, item: int) -> bytes:
        p = self.only(item, b"auxC")
        return b"" if p is None else bytes(self.buf[p[0] + 4 : p[1]]).split(b"\0")[0]

    def extents(self, item: int, size: int) -> tuple[tuple[int, int, int], ...]:
        """Where an item's bytes are: (method, offset, length), each checked against the
        file (method 0) or the idat box (method 1)."""
        method, spans = self.locations.get(item, (-1, ()))
        if method not in (0, 1) or not spans:
            raise _Bad("item not located here")
        room = size if method == 0 else len(self.idat)
        if any(length <= 0 or off + length > room for off, length in spans):
            raise _Bad("extent past its data")
        return tuple((method, off, length) for off, length in spans)


# --- what reaches the HEVC decoder ------------------------------------------------------
# Phone tiles: an hvcC of one VPS, one SPS and one PPS (tens of bytes each), 4-byte NAL
# lengths, 8-bit 4:2:0, and one slice NAL unit per tile. Anything else goes to libheif
# before FFmpeg sees it: FFmpeg allocates per NAL unit before decoding, and parses the hvcC
# again for every tile.
MAX_CONFIG_BYTES = 4096
MAX_TILE_NALS = 8
_VCL = set(range(0, 10)) | set(range(16, 22))
_SEI = {39, 40}


class _Bits:
    """An RBSP (emulation prevention bytes removed) read bit by bit, bounded."""

    def __init__(self, nal: bytes) -> None:
        self.data = nal.replace(b"\x00\x00\x03", b"\x00\x00")
        self.at = 0

    def u(self, n: int) -> int:
        v = 0
        for _ in range(n):
            byte = self.at >> 3
            if byte >= len(self.data):
                raise _Bad("SPS cut short")
            v = (v << 1) | ((self.data[byte] >> (7 - (self.at & 7))) & 1)
            self.at += 1
        return v

    def ue(self) -> int:
        zeros = 0
        while self.u(1) == 0:
            zeros += 1
            if zeros > 31:
                raise _Bad("SPS value")
        return (1 << zeros) - 1 + self.u(zeros)


def _sps_size(nal: bytes) -> tuple[int, int]:
    """pic_width/height_in_luma_samples of an HEVC SPS (H.265 7.3.2.2), the size FFmpeg
    allocates for before any other limit applies."""
    b = _Bits(nal[2:])  # after the two-byte NAL unit header
    b.u(4)  # sps_video_parameter_set_id
    sub_layers = b.u(3)
    b.u(1)
    b.u(96)  # general profile, tier, compatibility, constraints, level
    present = [(b.u(1), b.u(1)) for _ in range(sub_layers)]
    if sub_layers:
        b.u(2 * (8 - sub_layers))
    for profile, level in present:
        b.u(88 * profile + 8 * level)
    b.ue()  # sps_seq_parameter_set_id
    if b.ue() == 3:  # chroma_format_idc
        b.u(1)
    return b.ue(), b.ue()


def _nal_type(nal: bytes | memoryview) -> int:
    """The type of a NAL unit of the base layer (nuh_layer_id 0, temporal id 0); -1 for any
    other, which FFmpeg might read differently or skip."""
    if len(nal) < 2 or nal[0] & 0x81 or nal[1] != 1:
        return -1
    return (nal[0] >> 1) & 0x3F


def _check_config(config: bytes, tile: tuple[int, int]) -> None:
    """The hvcC of a tile: what phones write (exactly a VPS, an SPS and a PPS, each the type
    its own header says: FFmpeg goes by the header, not the array's label), its SPS no
    larger than the tile rounded up to a 64-pixel CTU."""
    c = memoryview(config)
    end = len(c)
    if end > MAX_CONFIG_BYTES or _u(c, 0, 1, end) != 1:  # configurationVersion
        raise _Bad("hvcC version or size")
    if _u(c, 16, 1, end) & 3 != 1 or _u(c, 17, 1, end) & 7 or _u(c, 18, 1, end) & 7:
        raise _Bad("not 8-bit 4:2:0")
    if _u(c, 21, 1, end) & 3 != 3:  # lengthSizeMinusOne: 4-byte NAL lengths, as libheif reads
        raise _Bad("NAL length size")
    if _u(c, 22, 1, end) != 3:
        raise _Bad("hvcC arrays")
    at, seen, sps = 23, [], b""
    for _ in range(3):
        label, n = _u(c, at, 1, end) & 0x3F, _u(c, at + 1, 2, end)
        length = _u(c, at + 3, 2, end)
        nal = bytes(c[at + 5 : at + 5 + length])
        at += 5 + length
        if n != 1 or len(nal) != length or _nal_type(nal) != label:
            raise _Bad("hvcC NAL unit")
        seen.append(label)
        if label == 33:
            sps = nal
    if at != end or sorted(seen) != [32, 33, 34]:
        raise _Bad("hvcC parameter sets")
    w, h = _sps_size(sps)
    ceil_w, ceil_h = -(-tile[0] // 64) * 64, -(-tile[1] // 64) * 64
    if not (tile[0] <= w <= ceil_w and tile[1] <= h <= ceil_h):
        raise _Bad("SPS size is not the tile's")


def _check_tile(data: bytes) -> None:
    """A tile's coded bytes: 4-byte-length NAL units covering it exactly, a few slices or
    SEI, no parameter sets of its own (the SPS checked above is the one that applies)."""
    d = memoryview(data)
    at, n, slices = 0, 0, 0
    while at < len(d):
        length = _u(d, at, 4, len(d))
        if length < 2 or at + 4 + length > len(d):
            raise _Bad("tile NAL unit length")
        kind = _nal_type(d[at + 4 : at + 6])
        if kind not in _VCL and kind not in _SEI:
            raise _Bad(f"tile NAL unit type {kind}")
        slices += kind in _VCL
        n += 1
        if n > MAX_TILE_NALS:
            raise _Bad("too many NAL units in a tile")
        at += 4 + length
    if not slices:
        raise _Bad("a tile without a slice")


def layout(f: IO[bytes], max_pixels: int) -> Layout:
    """Read the primary image's layout from a HEIF file; _Bad when it is not handled."""
    size = _file_size(f)
    meta = _Meta(memoryview(_read_meta(f, size)))
    primary, m = meta.primary, meta.buf
    kind = meta.types.get(primary)
    mine = meta.properties_of(primary)
    if any(p[0] not in _IMAGE for p in mine):
        raise _Bad("a property this module does not apply")
    meta.check_8_bits(primary)
    transforms: list[Image.Transpose] = []
    for ptype, pa, pb in mine:
        if ptype == b"irot":
            turns = _u(m, pa, 1, pb) & 3
            if turns:
                transforms.append(_ROTATE[turns])
        elif ptype == b"imir":
            transforms.append(_MIRROR[_u(m, pa, 1, pb) & 1])
    width, height = meta.ispe(primary)

    if kind == b"hvc1":
        tile_ids: tuple[int, ...] = (primary,)
        columns = rows = 1
    elif kind == b"grid":
        dimg = [to for ref, src, to in meta.refs if ref == b"dimg" and src == primary]
        if len(dimg) != 1:
            raise _Bad("grid references")
        tile_ids = dimg[0]
        spans = meta.extents(primary, size)
        if len(spans) != 1 or spans[0][2] > 64:
            raise _Bad("grid descriptor extent")
        data = memoryview(_item_bytes(f, size, meta.idat, spans))
        if _u(data, 0, 1, len(data)) != 0:
            raise _Bad("grid version")
        wide = _u(data, 1, 1, len(data)) & 1
        rows, columns = _u(data, 2, 1, len(data)) + 1, _u(data, 3, 1, len(data)) + 1
        n = 4 if wide else 2
        grid = (_u(data, 4, n, len(data)), _u(data, 4 + n, n, len(data)))
        if grid != (width, height):  # the size libheif reports, the one checked upstream
            raise _Bad("grid size is not the image's")
    else:
        raise _Bad(f"primary item {kind!r}")
    if not (width > 0 and height > 0 and width * height <= max_pixels):
        raise _Bad("size")
    if width % 2 or height % 2:
        raise _Bad("odd size")
    if len(tile_ids) != rows * columns or not 0 < len(tile_ids) <= MAX_TILES:
        raise _Bad("tile count")
    # An alpha plane (or premultiplied colour) is composited by libheif. Other auxiliary
    # images (an iPhone's depth map or HDR gain map) change nothing here.
    for ref, src, to in meta.refs:
        if ref == b"prem" and src == primary:
            raise _Bad("premultiplied")
        aux = meta.aux_type(src) if ref == b"auxl" else b""
        if (b"alpha" in aux or aux == b"urn:mpeg:hevc:2015:auxid:1") and (
            primary in to or set(to) & set(tile_ids)
        ):
            raise _Bad("alpha")

    tiles: list[Tile] = []
    sizes: set[tuple[int, int]] = set()
    colours: set[tuple[int, bool] | None] = set()
    configs: dict[tuple[int, int], bytes] = {}  # one copy of each hvcC, checked once
    for t in tile_ids:
        if meta.types.get(t) != b"hvc1":
            raise _Bad("a tile is not HEVC")
        if t != primary and any(p[0] not in _TILE for p in meta.properties_of(t)):
            raise _Bad("a tile property this module does not apply")
        meta.check_8_bits(t)
        at = meta.only(t, b"hvcC")
        if at is None:
            raise _Bad("a tile without its decoder configuration")
        tile_size = meta.ispe(t)
        if at not in configs:
            configs[at] = bytes(m[at[0] : at[1]])
            _check_config(configs[at], tile_size)
        sizes.add(tile_size)
        colours.add(meta.nclx(t))
        tiles.append(Tile(configs[at], meta.extents(t, size)))
    if len(sizes) != 1:
        raise _Bad("tiles of different sizes")
    ((tw, th),) = sizes
    # Every pixel of the image is in a tile, and no tile lies wholly outside it; what is
    # decoded in all is bounded as the image is.
    covered = (columns - 1) * tw < width <= columns * tw and (rows - 1) * th < height <= rows * th
    if not covered or tw % 2 or th % 2:
        raise _Bad("tiles do not cover the image")
    if columns * tw * rows * th > max_pixels:
        raise _Bad("tiles larger than the pixel limit")
    # The colour the image says, else the tiles' (as libheif: the first decoded tile's).
    colour = meta.nclx(primary)
    if colour is None:
        if len(colours) != 1:
            raise _Bad("tiles of different colours")
        (colour,) = colours
    return Layout(
        width,
        height,
        columns,
        rows,
        tw,
        th,
        tuple(tiles),
        tuple(transforms),
        colour[0] if colour else None,
        colour[1] if colour else None,
        meta.idat,
    )


def _item_bytes(
    f: IO[bytes], size: int, idat: bytes, extents: tuple[tuple[int, int, int], ...]
) -> bytes:
    parts = []
    for method, off, length in extents:
        parts.append(idat[off : off + length] if method == 1 else _read(f, size, off, length))
    return b"".join(parts)


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
_pool_lock = threading.Lock()


def _threads() -> ThreadPoolExecutor:
    # One small pool per process (FFmpeg decodes outside the GIL), made in the process that
    # uses it: a pool inherited through fork (a Celery child) has no threads behind it.
    global _pool
    with _pool_lock:
        if _pool is None or _pool[0] != os.getpid():
            workers = max(1, min(2, os.cpu_count() or 1))
            _pool = (os.getpid(), ThreadPoolExecutor(workers, "heif"))
        return _pool[1]


def decode_fit(
    src: IO[bytes], box: int, expect: tuple[int, int], max_pixels: int
) -> Image.Image | None:
    """The primary image of a HEIF file, upright by its transforms, as RGB no larger than
    box x box (the size Image.thumbnail would give). `expect`: the upright size the
    header gave (libheif's). None when this module does not handle the file: the caller
    uses libheif, which also says what is wrong with a damaged one."""
    try:
        lay = layout(src, max_pixels)
        upright = (lay.height, lay.width) if lay.turned else (lay.width, lay.height)
        if upright != expect:
            raise _Bad(f"size {upright} is not the header's {expect}")
        size = _file_size(src)
        # Tiles may be listed twice; their bytes together still fit in the file.
        if sum(n for t in lay.tiles for _, _, n in t.extents) > size:
            raise _Bad("tiles larger than the file")
        coded = [_item_bytes(src, size, lay.idat, t.extents) for t in lay.tiles]
        for data in coded:
            _check_tile(data)
    except Exception as exc:  # the file's tables, whatever is wrong with them
        log.debug("heif: libheif decodes this one (%s: %s)", type(exc).__name__, exc)
        return None
    try:
        return _decode(lay, coded, box)
    except _Bad as exc:
        log.debug("heif: libheif decodes this one (%s)", exc)
    except Exception as exc:  # FFmpeg refused a tile
        log.info(
            "heif: FFmpeg could not decode (%s: %s); libheif decodes it", type(exc).__name__, exc
        )
    return None


def _decode(lay: Layout, coded: list[bytes], box: int) -> Image.Image:
    # Loaded here: only a worker decoding a HEIC needs FFmpeg (and its ~20 MB).
    import av
    import numpy as np

    w, h, tw, th = lay.width, lay.height, lay.tile_width, lay.tile_height
    # The tiles are written straight into the full-size frame's planes (cropped at the
    # right and bottom edges), each by the thread that decoded it; together they cover it.
    full = av.VideoFrame(w, h, "yuv420p")
    dst = [
        np.frombuffer(memoryview(full.planes[i]), np.uint8).reshape(ph, full.planes[i].line_size)
        for i, ph in enumerate((h, h // 2, h // 2))
    ]
    kinds: set[tuple[str, int, int]] = set()

    def one(i: int) -> None:
        ctx = av.CodecContext.create("hevc", "r")
        ctx.extradata = lay.tiles[i].config
        ctx.thread_type = "NONE"  # tiles are decoded side by side instead
        # The SPS was checked against the tile's size (_check_config); FFmpeg's own limit
        # as well, for the frame it outputs.
        ctx.options = {"max_pixels": str((tw + 64) * (th + 64))}
        frames = ctx.decode(av.Packet(coded[i])) + ctx.decode(None)
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
            p = f.planes[plane]
            rows = np.frombuffer(memoryview(p), np.uint8).reshape(th // div, p.line_size)
            dst[plane][y0 : y0 + ch, x0 : x0 + cw] = rows[:ch, :cw]

    # Every decode finishes (or is cancelled) before an error is raised: none is left
    # running on a frame that is being dropped.
    futures = [_threads().submit(one, i) for i in range(len(coded))]
    wait(futures, return_when=FIRST_EXCEPTION)
    for fut in futures:
        fut.cancel()  # those not started yet
    wait(futures)
    for fut in futures:
        error = None if fut.cancelled() else fut.exception()
        if error is not None:
            raise error
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
