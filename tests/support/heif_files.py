"""Small HEIF files built box by box, for what phones rarely send but may: other turns and
mirrors, colour boxes that disagree with the coded stream, grids that do not match their
tiles, alpha. The HEVC tiles themselves come from pillow-heif's encoder."""

from __future__ import annotations

import io
import struct
from collections.abc import Sequence
from dataclasses import dataclass

import pillow_heif
from PIL import Image

from k3zones import heif

GRID_ID = 1000


def box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I4s", 8 + len(payload), kind) + payload


def full_box(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def ispe(w: int, h: int) -> bytes:
    return full_box(b"ispe", 0, 0, struct.pack(">II", w, h))


def irot(quarter_turns: int) -> bytes:
    return box(b"irot", bytes([quarter_turns]))


def imir(mode: int) -> bytes:
    return box(b"imir", bytes([mode]))


def nclx(matrix: int, full_range: bool, primaries: int = 1, transfer: int = 13) -> bytes:
    flag = 0x80 if full_range else 0
    return box(b"colr", b"nclx" + struct.pack(">HHHB", primaries, transfer, matrix, flag))


@dataclass(frozen=True)
class Coded:
    """One HEVC image as pillow-heif encodes it: its hvcC payload and its coded bytes."""

    config: bytes
    data: bytes
    width: int
    height: int


def encode(img: Image.Image, quality: int = 92) -> bytes:
    out = io.BytesIO()
    pillow_heif.from_pillow(img).save(out, quality=quality)
    return out.getvalue()


def coded(img: Image.Image) -> Coded:
    data = encode(img)
    f = io.BytesIO(data)
    lay = heif.layout(f, 1 << 30)
    [tile] = lay.tiles
    [(method, off, length)] = tile.extents
    assert method == 0
    return Coded(tile.config, data[off : off + length], img.width, img.height)


def grid(
    tiles: Sequence[Coded],
    columns: int,
    rows: int,
    width: int,
    height: int,
    *,
    image_props: Sequence[bytes] = (),
    tile_props: Sequence[bytes] = (),
    image_ispe: tuple[int, int] | None = None,
    tile_ispe: tuple[int, int] | None = None,
    descriptor_offset: int | None = None,
    before_meta: bytes = b"",
) -> bytes:
    """A grid image (item GRID_ID) of the tiles (items 1..n, row by row). image_props
    follow the grid's ispe in its ipma entry (so transforms apply in that order);
    tile_props follow each tile's hvcC and ispe. descriptor_offset puts the grid
    descriptor in the file at that offset (construction method 0) instead of idat."""
    n = len(tiles)
    tw, th = tile_ispe or (tiles[0].width, tiles[0].height)
    props = [box(b"hvcC", tiles[0].config), ispe(tw, th), ispe(*(image_ispe or (width, height)))]
    props += [*tile_props, *image_props]
    tile_idx = [1, 2, *range(4, 4 + len(tile_props))]
    image_idx = [3, *range(4 + len(tile_props), 4 + len(tile_props) + len(image_props))]
    entries = [(i + 1, tile_idx) for i in range(n)] + [(GRID_ID, image_idx)]
    ipma = struct.pack(">I", len(entries)) + b"".join(
        struct.pack(">HB", item, len(idx)) + bytes(idx) for item, idx in entries
    )
    iprp = box(b"iprp", box(b"ipco", b"".join(props)) + full_box(b"ipma", 0, 0, ipma))
    infe = b"".join(
        full_box(b"infe", 2, 0, struct.pack(">HH4s", i, 0, b"hvc1") + b"\0")
        for i in range(1, n + 1)
    ) + full_box(b"infe", 2, 0, struct.pack(">HH4s", GRID_ID, 0, b"grid") + b"\0")
    iinf = full_box(b"iinf", 0, 0, struct.pack(">H", n + 1) + infe)
    iref = full_box(
        b"iref",
        0,
        0,
        box(
            b"dimg",
            struct.pack(">HH", GRID_ID, n) + b"".join(struct.pack(">H", i + 1) for i in range(n)),
        ),
    )
    pitm = full_box(b"pitm", 0, 0, struct.pack(">H", GRID_ID))
    hdlr = full_box(b"hdlr", 0, 0, b"\0" * 4 + b"pict" + b"\0" * 13)
    descriptor = bytes([0, 0, rows - 1, columns - 1]) + struct.pack(">HH", width, height)
    ftyp = box(b"ftyp", b"heic" + b"\0\0\0\0" + b"mif1heic")

    def meta(mdat_at: int) -> bytes:
        rows_ = []
        at = mdat_at
        for i, t in enumerate(tiles):
            rows_.append(struct.pack(">HHHHQI", i + 1, 0, 0, 1, at, len(t.data)))
            at += len(t.data)
        if descriptor_offset is None:
            rows_.append(struct.pack(">HHHHQI", GRID_ID, 1, 0, 1, 0, len(descriptor)))
            idat = box(b"idat", descriptor)
        else:
            rows_.append(
                struct.pack(">HHHHQI", GRID_ID, 0, 0, 1, descriptor_offset, len(descriptor))
            )
            idat = b""
        # iloc v1: 8-byte offsets, 4-byte lengths, no base offset, no index.
        iloc = full_box(b"iloc", 1, 0, struct.pack(">HH", 0x8400, len(rows_)) + b"".join(rows_))
        return full_box(b"meta", 0, 0, hdlr + pitm + iinf + iref + iprp + iloc + idat)

    head = ftyp + before_meta + meta(0)
    head = ftyp + before_meta + meta(len(head) + 8)
    return head + box(b"mdat", b"".join(t.data for t in tiles))


def tiles_of(img: Image.Image, size: int) -> tuple[list[Coded], int, int]:
    """The picture cut into size x size tiles (padded at the right and bottom), each
    encoded on its own: (tiles row by row, columns, rows)."""
    columns, rows = -(-img.width // size), -(-img.height // size)
    canvas = Image.new("RGB", (columns * size, rows * size), (128, 128, 128))
    canvas.paste(img, (0, 0))
    return (
        [
            coded(canvas.crop((c * size, r * size, (c + 1) * size, (r + 1) * size)))
            for r in range(rows)
            for c in range(columns)
        ],
        columns,
        rows,
    )
