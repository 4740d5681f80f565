"""Photo bytes, EXIF and hashes, without services."""

import io
import struct
import zlib
from datetime import UTC, datetime

import pytest
from PIL import Image

from k3zones import imaging
from tests.support.paths import PHOTOS


def png_header(width: int, height: int) -> bytes:
    """A PNG that declares its size and carries no pixels: all a bomb needs to be."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", ihdr)
        + chunk(b"IDAT", zlib.compress(b""))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "name, mime",
    [
        ("jpg_gps_DSCN0010.jpg", "image/jpeg"),
        ("heic_mobile_iphone_13_pro_max.HEIC", "image/heif"),
        ("heic_mobile_HMD_Nokia_8.3_5G.heif", "image/heif"),
    ],
)
def test_sniff_reads_the_bytes_not_the_name(name, mime):
    assert imaging.sniff((PHOTOS / name).read_bytes()[:32]) == mime


def test_sniff_refuses_what_is_not_a_photo():
    png = io.BytesIO()
    Image.new("RGB", (4, 4)).save(png, "PNG")
    assert imaging.sniff(png.getvalue()[:32]) == "image/png"
    for head in (b"%PDF-1.7", b"GIF89a", b"", b"<html>", b"\x00\x00\x00\x18ftypmp42"):
        assert imaging.sniff(head) is None


def exif_of(name: str) -> imaging.ExifInfo:
    """The EXIF `process` reads, without decoding the pixels (a 12 MP HEIF takes seconds)."""
    with Image.open(PHOTOS / name) as img:
        return imaging.read_exif(img)


def test_gps_hemispheres_give_signs():
    west = exif_of("heic_mobile_HMD_Nokia_8.3_5G.heif")
    assert west.gps_lon is not None and west.gps_lon < 0 and west.gps_lat > 0  # Spain
    east = exif_of("jpg_gps_DSCN0010.jpg")
    assert east.gps_lon > 0 and east.gps_lat > 0


def test_south_latitude_is_negative():
    img = Image.new("RGB", (64, 48), "white")
    exif = img.getexif()
    exif.get_ifd(0x8825).update({1: "S", 2: (6.0, 12.0, 25.2), 3: "E", 4: (106.0, 58.0, 44.4)})
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif)
    e = imaging.process(io.BytesIO(buf.getvalue())).exif
    assert e.gps_lat == pytest.approx(-6.207, abs=1e-3)
    assert e.gps_lon == pytest.approx(106.979, abs=1e-3)


def test_taken_at_prefers_gps_time_then_offset_then_report_offset():
    e = imaging.ExifInfo(datetime_original="2024:05:02 08:20:00", offset_time_original="+07:00")
    assert e.taken_at(None) == datetime(2024, 5, 2, 1, 20, tzinfo=UTC)
    e = imaging.ExifInfo(datetime_original="2024:05:02 08:20:00")
    assert e.taken_at(420) == datetime(2024, 5, 2, 1, 20, tzinfo=UTC)
    assert e.taken_at(None) is None
    e = imaging.ExifInfo(
        datetime_original="2024:05:02 08:20:00", gps_time="2024-05-02T01:21:00+00:00"
    )
    assert e.taken_at(420) == datetime(2024, 5, 2, 1, 21, tzinfo=UTC)
    assert imaging.ExifInfo(datetime_original="0000:00:00 00:00:00").taken_at(420) is None


def test_decompression_bomb_is_refused_from_the_header():
    bomb = png_header(20000, 20000)  # 400 megapixels declared in 65 bytes
    with pytest.raises(imaging.ImageRejected, match="lebih dari 64 megapiksel"):
        imaging.read_header(io.BytesIO(bomb))


def test_the_pixel_limit_is_64_megapixels_inclusive():
    head = imaging.read_header(io.BytesIO(png_header(8000, 8000)))
    assert (head.mime, head.width, head.height) == ("image/png", 8000, 8000)
    with pytest.raises(imaging.ImageRejected, match="terlalu besar"):
        imaging.read_header(io.BytesIO(png_header(8001, 8000)))


def test_truncated_jpeg_is_refused_when_decoded():
    data = (PHOTOS / "jpg_mobile_jolla.jpg").read_bytes()
    head = imaging.read_header(io.BytesIO(data[: len(data) // 2]))
    assert (head.width, head.height) == (3264, 2448)  # the header is intact
    with pytest.raises(imaging.ImageRejected, match="terpotong"):
        imaging.process(io.BytesIO(data[: len(data) // 2]))


def test_derived_images_are_upright_small_and_without_exif():
    out = imaging.process(PHOTOS / "jpg_orientation_portrait_6.jpg")
    web = Image.open(io.BytesIO(out.web_jpeg))
    assert web.size == (450, 600) and not web.getexif()
    out = imaging.process(PHOTOS / "jpg_mobile_HMD_Nokia_8.3_5G.jpg")
    assert Image.open(io.BytesIO(out.web_jpeg)).size == (1600, 686)
    assert max(Image.open(io.BytesIO(out.thumb_jpeg)).size) == 320


def test_hash_is_stable_under_resizing_and_bands_find_near_copies():
    original = PHOTOS / "jpg_mobile_jolla.jpg"
    a = imaging.process(original).dhash
    img = Image.open(original)
    img = img.resize((img.width // 4, img.height // 4))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=50)
    b = imaging.process(io.BytesIO(buf.getvalue())).dhash
    assert imaging.hamming(a, b) <= 6
    assert set(imaging.hash_bands(a)) & set(imaging.hash_bands(b))
    other = imaging.process(PHOTOS / "jpg_gps_DSCN0010.jpg").dhash
    assert imaging.hamming(a, other) > 12
    assert -(2**63) <= a < 2**63  # fits a signed BIGINT
