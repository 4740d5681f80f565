"""Phone HEICs through FFmpeg (k3zones.heif): the picture libheif gives, at the web size,
upright; anything the module does not handle goes to libheif, and no damaged file breaks it."""

import contextlib
import io
import multiprocessing
import struct
import tempfile

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from k3zones import heif, imaging
from tests.support import heif_files as hf
from tests.support.paths import PHOTOS

PHONES = ["heic_mobile_HMD_Nokia_8.3_5G.heif", "heic_mobile_iphone_13_pro_max.HEIC"]
MAX = imaging.MAX_PIXELS


def psnr(a: Image.Image, b: Image.Image) -> float:
    x, y = np.asarray(a, float), np.asarray(b, float)
    return float(10 * np.log10(255**2 / ((x - y) ** 2).mean()))


def libheif(data: bytes) -> Image.Image:
    """The whole picture as libheif decodes it (its transforms applied)."""
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert("RGB")


def fast(data: bytes, box: int = imaging.WEB_PX, f: io.IOBase | None = None) -> Image.Image | None:
    """decode_fit as imaging.process calls it: the header's size is libheif's."""
    with Image.open(io.BytesIO(data)) as header:
        expect = header.size
    return heif.decode_fit(f or io.BytesIO(data), box, expect, MAX)


def close_to_libheif(data: bytes, img: Image.Image | None, floor_db: float = 38) -> bool:
    assert img is not None
    whole = libheif(data)
    small = whole.copy()
    small.thumbnail(img.size)
    return (
        img.size == small.size
        and psnr(img, whole.resize(img.size, Image.Resampling.LANCZOS)) > floor_db
    )


@pytest.fixture(scope="module")
def picture() -> Image.Image:
    with Image.open(PHOTOS / "jpg_mobile_jolla.jpg") as jpeg:
        return jpeg.convert("RGB").resize((1024, 768), Image.Resampling.LANCZOS)


@pytest.fixture(scope="module")
def quadrants(picture: Image.Image) -> tuple[list[hf.Coded], int, int]:
    """The picture as a 2 x 2 grid of 512 px tiles (the bottom ones padded)."""
    return hf.tiles_of(picture, 512)


def test_phone_heics_are_grids_of_hevc_tiles_turned_a_quarter():
    with open(PHOTOS / PHONES[0], "rb") as f:
        nokia = heif.layout(f, MAX)
    with open(PHOTOS / PHONES[1], "rb") as f:
        iphone = heif.layout(f, MAX)
    assert (nokia.width, nokia.height, nokia.columns, nokia.rows) == (4608, 3456, 9, 7)
    assert (iphone.width, iphone.height, iphone.columns, iphone.rows) == (4032, 3024, 8, 6)
    assert len(nokia.tiles) == 63 and len(iphone.tiles) == 48
    assert nokia.transforms == iphone.transforms == (Image.Transpose.ROTATE_270,)


# PSNR against libheif's picture resampled by Lanczos, just under what the right decode
# gets (40.3 and 43.1 dB): reading the colours as BT.709 instead of BT.601 gets 38.9 and
# 38.5, as limited range 28.7; a turn or a mirror far less.
@pytest.mark.parametrize("name, floor_db", list(zip(PHONES, (39.8, 41.5), strict=True)))
def test_ffmpeg_gives_the_picture_libheif_gives_at_the_web_size(name, floor_db):
    data = (PHOTOS / name).read_bytes()
    img = fast(data)
    assert img is not None and img.size == (1200, 1600)  # upright: portrait, as libheif turns it
    assert close_to_libheif(data, img, floor_db)


@pytest.mark.parametrize("name", PHONES)
def test_processing_a_heic_answers_as_through_libheif(name, monkeypatch):
    data = (PHOTOS / name).read_bytes()
    used = []
    real = heif.decode_fit
    monkeypatch.setattr(heif, "decode_fit", lambda *a: used.append(1) or real(*a))
    quick = imaging.process(io.BytesIO(data))
    monkeypatch.setattr(heif, "decode_fit", lambda *a: None)
    slow = imaging.process(io.BytesIO(data))
    assert used  # the first run went through FFmpeg
    assert (quick.header, quick.exif) == (slow.header, slow.exif)
    web = [Image.open(io.BytesIO(p.web_jpeg)) for p in (quick, slow)]
    thumb = [Image.open(io.BytesIO(p.thumb_jpeg)) for p in (quick, slow)]
    assert web[0].size == web[1].size and thumb[0].size == thumb[1].size
    assert psnr(*web) > 34  # two JPEG encodings of nearly the same picture
    assert imaging.hamming(quick.dhash, slow.dhash) <= 4


@pytest.mark.parametrize(
    "props",
    [
        [hf.irot(1)],
        [hf.irot(2)],
        [hf.irot(3)],
        [hf.imir(0)],
        [hf.imir(1)],
        [hf.irot(1), hf.imir(0)],
        [hf.imir(1), hf.irot(3)],
    ],
    ids=["irot1", "irot2", "irot3", "imir0", "imir1", "irot1-imir0", "imir1-irot3"],
)
def test_every_turn_and_mirror_is_applied_as_libheif_applies_it(quadrants, props):
    tiles, columns, rows = quadrants
    data = hf.grid(tiles, columns, rows, 1000, 760, image_props=props)
    assert close_to_libheif(data, fast(data, 600))


@pytest.mark.parametrize(
    "image_props, tile_props",
    [
        ([hf.nclx(1, False)], []),  # the grid's colour box: BT.709, limited range
        ([], [hf.nclx(1, False)]),  # only the tiles say: libheif takes the first tile's
        ([], [hf.nclx(6, False)]),  # BT.601 but limited, unlike the coded stream
        ([hf.nclx(6, True)], [hf.nclx(1, False)]),  # the grid's box wins
    ],
    ids=["grid-709-limited", "tiles-709-limited", "tiles-601-limited", "grid-over-tiles"],
)
def test_colour_boxes_are_read_as_libheif_reads_them(quadrants, image_props, tile_props):
    tiles, columns, rows = quadrants
    data = hf.grid(tiles, columns, rows, 1024, 768, image_props=image_props, tile_props=tile_props)
    assert close_to_libheif(data, fast(data, 600))


def test_a_single_hevc_image_is_decoded_and_an_odd_size_goes_to_libheif(picture):
    data = hf.encode(picture)
    with io.BytesIO(data) as f:
        lay = heif.layout(f, MAX)
    assert (lay.columns, lay.rows, len(lay.tiles), lay.transforms) == (1, 1, 1, ())
    img = fast(data, 512)
    assert img is not None and img.size == (512, 384)
    assert close_to_libheif(data, img)
    odd = hf.encode(picture.crop((0, 0, 641, 479)))
    assert fast(odd) is None
    assert imaging.process(io.BytesIO(odd)).header.width == 641  # libheif decodes it


def test_grids_that_do_not_match_their_tiles_or_size_go_to_libheif(quadrants):
    tiles, columns, rows = quadrants
    # Taller than its tiles: part of the frame would never be written (libheif refuses).
    taller = hf.grid(tiles, columns, rows, 1024, 1100)
    with Image.open(io.BytesIO(taller)) as header:
        assert heif.decode_fit(io.BytesIO(taller), 600, header.size, MAX) is None
    # A grid descriptor larger than the image's ispe (the size checked against MAX_PIXELS).
    larger = hf.grid(tiles, columns, rows, 1024, 768, image_ispe=(1000, 700))
    assert heif.decode_fit(io.BytesIO(larger), 600, (1000, 700), MAX) is None
    # Over the pixel limit: the image, or the tiles it is cut from (2 x 2 x 512 px).
    fine = hf.grid(tiles, columns, rows, 1024, 768)
    assert heif.decode_fit(io.BytesIO(fine), 600, (1024, 768), 1024 * 768 - 1) is None
    assert heif.decode_fit(io.BytesIO(fine), 600, (1024, 768), 1024 * 1024 - 1) is None
    assert heif.decode_fit(io.BytesIO(fine), 600, (1024, 768), 1024 * 1024) is not None
    # A header size that is not the grid's.
    assert heif.decode_fit(io.BytesIO(fine), 600, (768, 1024), MAX) is None


def test_an_image_with_alpha_is_left_to_libheif_and_lands_on_white():
    img = Image.new("RGBA", (256, 192), (40, 120, 200, 255))
    img.paste((0, 0, 0, 0), (0, 0, 64, 64))  # a transparent corner
    data = hf.encode(img)
    assert fast(data) is None
    out = Image.open(io.BytesIO(imaging.process(io.BytesIO(data)).web_jpeg)).convert("RGB")
    assert min(out.getpixel((5, 5))) > 240  # composited on white, not black


def test_unknown_top_level_boxes_are_never_parsed(quadrants):
    """No container demuxer sees the file: a compressed-movie box (which FFmpeg's would
    inflate, to gigabytes) is skipped like any other box libheif does not know."""
    tiles, columns, rows = quadrants
    junk = hf.box(
        b"cmov",
        hf.box(b"dcom", b"zlib") + hf.box(b"cmvd", struct.pack(">I", 2**31 - 1) + b"x" * 64),
    )
    data = hf.grid(tiles, columns, rows, 1024, 768, before_meta=junk)
    assert close_to_libheif(data, fast(data, 600))


@pytest.mark.parametrize("offset", [2**31, 2**62, 2**64 - 1])
def test_a_descriptor_far_past_the_end_of_a_real_file_goes_to_libheif(quadrants, offset):
    tiles, columns, rows = quadrants
    data = hf.grid(tiles, columns, rows, 1024, 768, descriptor_offset=offset)
    with tempfile.TemporaryFile() as f:  # what the worker passes: seeking 2**62 is an OSError
        f.write(data)
        assert heif.decode_fit(f, 600, (1024, 768), MAX) is None
        with contextlib.suppress(imaging.ImageRejected):  # refused is fine, nothing else
            imaging.process(f)


def _nal(kind: int, payload: bytes = b"\x00") -> bytes:
    return struct.pack(">I", 2 + len(payload)) + bytes([kind << 1, 1]) + payload


def _config_nals(config: bytes) -> dict[int, bytes]:
    """The parameter sets of an hvcC payload, by NAL unit type."""
    at, out = 23, {}
    for _ in range(config[22]):
        kind, n = config[at] & 0x3F, int.from_bytes(config[at + 1 : at + 3], "big")
        at += 3
        for _ in range(n):
            length = int.from_bytes(config[at : at + 2], "big")
            out[kind] = config[at + 2 : at + 2 + length]
            at += 2 + length
    return out


def _config_with(config: bytes, arrays: list[tuple[int, bytes]]) -> bytes:
    """An hvcC payload with the header of `config` and these (label, NAL unit) arrays."""
    body = b"".join(
        bytes([0x80 | label]) + struct.pack(">HH", 1, len(nal)) + nal for label, nal in arrays
    )
    return config[:22] + bytes([len(arrays)]) + body


def test_what_ffmpeg_would_be_handed_is_checked_first(quadrants):
    """A flood of NAL units (FFmpeg allocates for each before decoding), a tile carrying its
    own SPS, an hvcC FFmpeg would read differently from libheif, an SPS larger than its
    tile: each goes to libheif untouched by FFmpeg."""
    tiles, columns, rows = quadrants
    t = tiles[1]

    def with_tile(data: bytes, config: bytes | None = None) -> Image.Image | None:
        # The grid's tiles share one hvcC, the first tile's (tests.support.heif_files).
        first = hf.Coded(config or tiles[0].config, tiles[0].data, 512, 512)
        changed = [first, hf.Coded(t.config, data, 512, 512), *tiles[2:]]
        return fast(hf.grid(changed, columns, rows, 1024, 768), 600)

    assert with_tile(t.data) is not None  # as built, it decodes
    assert with_tile(t.data + _nal(38) * 100) is None  # filler units
    assert with_tile(t.data + _nal(39) * 20) is None  # SEI, too many
    sps = _config_nals(t.config)[33]
    assert with_tile(struct.pack(">I", len(sps)) + sps + t.data) is None  # an in-band SPS
    assert with_tile(t.data[:-10]) is None  # a NAL length past the tile's bytes
    assert with_tile(t.data, b"\x00" + t.config[1:]) is None  # not an hvcC FFmpeg reads as libheif
    # FFmpeg goes by each NAL unit's own header, not the array's label: an SPS hidden in an
    # array labelled SEI, or labels swapped, could size the decoder past the checked SPS.
    sets = _config_nals(tiles[0].config)
    honest = [(32, sets[32]), (33, sets[33]), (34, sets[34])]
    assert with_tile(t.data, _config_with(t.config, honest)) is not None  # rebuilt, still fine
    assert with_tile(t.data, _config_with(t.config, [*honest, (39, sets[33])])) is None
    swapped = [(32, sets[32]), (33, sets[34]), (34, sets[33])]
    assert with_tile(t.data, _config_with(t.config, swapped)) is None
    layer_one = sets[33][:1] + bytes([sets[33][1] | 0x08]) + sets[33][2:]  # nuh_layer_id 1
    assert (
        with_tile(t.data, _config_with(t.config, [*honest[:1], (33, layer_one), honest[2]])) is None
    )
    small = hf.grid(tiles, columns, rows, 512, 384, tile_ispe=(256, 256))
    assert fast(small, 600) is None  # the SPS says 512 x 512, the tile 256 x 256


def test_a_colour_box_given_twice_goes_to_libheif(quadrants):
    tiles, columns, rows = quadrants
    twice = [hf.nclx(1, False), hf.nclx(6, True)]
    data = hf.grid(tiles, columns, rows, 1024, 768, image_props=twice)
    assert fast(data, 600) is None
    assert imaging.process(io.BytesIO(data)).header.width == 1024


def test_a_tile_ffmpeg_cannot_decode_sends_the_file_to_libheif(quadrants):
    tiles, columns, rows = quadrants
    broken = [
        tiles[0],
        hf.Coded(tiles[1].config, b"\0\0\0\x08" + b"\xff" * 8, 512, 512),
        *tiles[2:],
    ]
    data = hf.grid(broken, columns, rows, 1024, 768)
    assert fast(data, 600) is None


SMALL = hf.encode(Image.new("RGB", (256, 192), (40, 120, 200)))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(
        st.tuples(st.integers(0, min(len(SMALL), 1024) - 1), st.integers(0, 255)),
        min_size=1,
        max_size=6,
    ),
    st.integers(16, len(SMALL)),
)
def test_a_damaged_heic_gives_a_picture_or_none_never_an_error(changes, keep):
    data = bytearray(SMALL[:keep])
    for at, value in changes:
        if at < len(data):
            data[at] = value
    img = heif.decode_fit(io.BytesIO(bytes(data)), 128, (256, 192), MAX)
    assert img is None or (img.mode == "RGB" and max(img.size) <= 128)
    with contextlib.suppress(imaging.ImageRejected):  # refused is fine; anything else is not
        imaging.process(io.BytesIO(bytes(data)))


@pytest.fixture(scope="module")
def small_grid() -> bytes:
    tile = hf.coded(Image.new("RGB", (64, 64), (200, 80, 40)))
    return hf.grid([tile] * 4, 2, 2, 128, 96, image_props=[hf.irot(1)])


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_damaged_grid_gives_a_picture_or_none_never_an_error(small_grid, data):
    """Mutations inside the meta box: the grid descriptor, iloc, iref, ipma, idat."""
    raw = bytearray(small_grid)
    meta_end = raw.index(b"mdat") - 4
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, meta_end - 1))
        raw[at] = data.draw(st.integers(0, 255))
    with tempfile.TemporaryFile() as f:
        f.write(raw)
        img = heif.decode_fit(f, 64, (96, 128), MAX)
    assert img is None or (img.mode == "RGB" and max(img.size) <= 64)


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 3000), st.integers(1, 1700))
def test_the_size_is_the_one_pillows_thumbnail_gives(w, h, box):
    img = Image.new("1", (w, h))
    img.thumbnail((box, box))
    assert heif.thumbnail_size(w, h, box) == img.size


def test_a_forked_worker_decodes_with_threads_of_its_own():
    """Celery's children are forked: a pool made in the parent has no threads there."""
    data = (PHOTOS / PHONES[1]).read_bytes()
    assert fast(data, 320) is not None  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply_async(_decoded_size, (data,)).get(timeout=60) == (240, 320)


def _decoded_size(data: bytes) -> tuple[int, int] | None:
    img = fast(data, 320)
    return None if img is None else img.size
