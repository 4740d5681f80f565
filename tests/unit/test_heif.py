"""Phone HEICs through FFmpeg (k3zones.heif): the picture libheif gives, at the web size,
upright; anything the module does not handle goes to libheif, and no damaged file breaks it."""

import contextlib
import io
import multiprocessing

import numpy as np
import pillow_heif
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from k3zones import heif, imaging
from tests.support.paths import PHOTOS

PHONES = ["heic_mobile_HMD_Nokia_8.3_5G.heif", "heic_mobile_iphone_13_pro_max.HEIC"]


def psnr(a: Image.Image, b: Image.Image) -> float:
    x, y = np.asarray(a, float), np.asarray(b, float)
    return float(10 * np.log10(255**2 / ((x - y) ** 2).mean()))


def libheif(data: bytes) -> Image.Image:
    """The whole picture as libheif decodes it (its transforms applied)."""
    img = Image.open(io.BytesIO(data))
    img.load()
    return img.convert("RGB")


def heic_of(img: Image.Image) -> bytes:
    out = io.BytesIO()
    pillow_heif.from_pillow(img).save(out, quality=90)
    return out.getvalue()


def test_phone_heics_are_grids_of_hevc_tiles_turned_a_quarter():
    with open(PHOTOS / PHONES[0], "rb") as f:
        nokia = heif.layout(f)
    with open(PHOTOS / PHONES[1], "rb") as f:
        iphone = heif.layout(f)
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
    fast = heif.decode_fit(io.BytesIO(data), imaging.WEB_PX)
    assert fast is not None
    whole = libheif(data)
    small = whole.copy()
    small.thumbnail((imaging.WEB_PX, imaging.WEB_PX))
    assert fast.size == small.size == (1200, 1600)  # upright: portrait, as libheif turns it
    assert psnr(fast, whole.resize(fast.size, Image.Resampling.LANCZOS)) > floor_db


@pytest.mark.parametrize("name", PHONES)
def test_processing_a_heic_answers_as_through_libheif(name, monkeypatch):
    data = (PHOTOS / name).read_bytes()
    used = []
    real = heif.decode_fit
    monkeypatch.setattr(heif, "decode_fit", lambda f, box: used.append(1) or real(f, box))
    fast = imaging.process(io.BytesIO(data))
    monkeypatch.setattr(heif, "decode_fit", lambda f, box: None)
    slow = imaging.process(io.BytesIO(data))
    assert used  # the first run went through FFmpeg
    assert (fast.header, fast.exif) == (slow.header, slow.exif)
    web = [Image.open(io.BytesIO(p.web_jpeg)) for p in (fast, slow)]
    thumb = [Image.open(io.BytesIO(p.thumb_jpeg)) for p in (fast, slow)]
    assert web[0].size == web[1].size and thumb[0].size == thumb[1].size
    assert psnr(*web) > 34  # two JPEG encodings of nearly the same picture
    assert imaging.hamming(fast.dhash, slow.dhash) <= 4


def test_a_single_hevc_image_is_decoded_and_an_odd_size_goes_to_libheif():
    with Image.open(PHOTOS / "jpg_mobile_jolla.jpg") as jpeg:
        base = jpeg.convert("RGB").resize((1280, 960), Image.Resampling.LANCZOS)
    data = heic_of(base)
    with io.BytesIO(data) as f:
        lay = heif.layout(f)
    assert (lay.columns, lay.rows, len(lay.tiles), lay.transforms) == (1, 1, 1, ())
    fast = heif.decode_fit(io.BytesIO(data), 640)
    assert fast is not None and fast.size == (640, 480)
    assert psnr(fast, libheif(data).resize((640, 480), Image.Resampling.LANCZOS)) > 38
    odd = heic_of(base.crop((0, 0, 641, 479)))
    assert heif.decode_fit(io.BytesIO(odd), 640) is None
    assert imaging.process(io.BytesIO(odd)).header.width == 641  # libheif decodes it


SMALL = heic_of(Image.new("RGB", (256, 192), (40, 120, 200)))


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
    img = heif.decode_fit(io.BytesIO(bytes(data)), 128)
    assert img is None or (img.mode == "RGB" and max(img.size) <= 192)
    with contextlib.suppress(imaging.ImageRejected):  # refused is fine; anything else is not
        imaging.process(io.BytesIO(bytes(data)))


@settings(max_examples=12, deadline=None)
@given(st.integers(0, 2047), st.integers(0, 255))
def test_a_damaged_phone_heic_header_never_breaks_the_reader(at, value):
    data = bytearray((PHOTOS / PHONES[1]).read_bytes())
    data[at] = value
    img = heif.decode_fit(io.BytesIO(bytes(data)), imaging.WEB_PX)
    assert img is None or max(img.size) <= imaging.WEB_PX


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 3000), st.integers(1, 3000), st.integers(1, 1700))
def test_the_size_is_the_one_pillows_thumbnail_gives(w, h, box):
    img = Image.new("1", (w, h))
    img.thumbnail((box, box))
    assert heif.thumbnail_size(w, h, box) == img.size


def test_a_forked_worker_decodes_with_threads_of_its_own():
    """Celery's children are forked: a pool made in the parent has no threads there."""
    data = (PHOTOS / PHONES[1]).read_bytes()
    assert heif.decode_fit(io.BytesIO(data), 320) is not None  # the parent's pool exists
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        assert pool.apply_async(_decoded_size, (data,)).get(timeout=60) == (240, 320)


def _decoded_size(data: bytes) -> tuple[int, int] | None:
    img = heif.decode_fit(io.BytesIO(data), 320)
    return None if img is None else img.size
