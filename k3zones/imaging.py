"""Photos: what they really are, what their EXIF says, and the derived images.

Pure functions over Pillow (with pillow-heif for HEIC/HEIF headers and EXIF; a phone
HEIC's pixels through k3zones.heif, FFmpeg's decoder). The original is never changed;
derived images are rotated by EXIF Orientation and carry no EXIF at all.
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO, Any

import pillow_heif
from PIL import ExifTags, Image, UnidentifiedImageError

from k3zones import heif
from k3zones.blur import PublicCopy

pillow_heif.register_heif_opener()

# A phone photo is at most ~50 MP; anything bigger is refused before it is decoded
# (Pillow's own default is 89 MP, and it only warns below twice that).
MAX_PIXELS = 64_000_000
Image.MAX_IMAGE_PIXELS = MAX_PIXELS

THUMB_PX = 320
WEB_PX = 1600
JPEG_QUALITY = 82

MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heif"}


class ImageRejected(ValueError):
    """Not a usable photo. The message is Bahasa Indonesia, for the officer."""


def sniff(head: bytes) -> str | None:
    """The real type from the first bytes, whatever the Content-Type said."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (
            b"heic",
            b"heix",
            b"heim",
            b"heis",
            b"hevc",
            b"hevx",
            b"mif1",
            b"msf1",
            b"avif",
        ):
            return "image/heif" if brand != b"avif" else None
    return None


@dataclass(frozen=True)
class Header:
    mime: str
    width: int
    height: int


def _open(src: str | Path | IO[bytes]) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img = Image.open(src)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise ImageRejected(
            f"Dimensi gambar terlalu besar (lebih dari {MAX_PIXELS // 1_000_000} megapiksel)."
        ) from exc
    except UnidentifiedImageError as exc:
        raise ImageRejected("Berkas bukan foto yang dapat dibaca (JPEG, PNG, atau HEIC).") from exc
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
        raise ImageRejected("Berkas foto rusak dan tidak dapat dibaca.") from exc
    if img.format not in MIME:
        img.close()
        raise ImageRejected(f"Format {img.format} tidak didukung; kirim JPEG, PNG, atau HEIC.")
    return img


def read_header(src: str | Path | IO[bytes]) -> Header:
    """Type and size from the header alone (cheap: no pixels are decoded)."""
    with _open(src) as img:
        return Header(MIME[img.format or ""], img.width, img.height)


# --- EXIF ------------------------------------------------------------------------------

GPS_IFD = 0x8825
EXIF_IFD = 0x8769


@dataclass
class ExifInfo:
    make: str | None = None
    model: str | None = None
    orientation: int | None = None
    datetime_original: str | None = None  # as written, "YYYY:MM:DD HH:MM:SS"
    offset_time_original: str | None = None  # "+07:00"
    gps_lat: float | None = None
    gps_lon: float | None = None
    gps_alt_m: float | None = None
    gps_time: str | None = None  # ISO 8601, UTC
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v not in (None, [])}

    def taken_at(self, fallback_offset_min: int | None) -> datetime | None:
        """When the photo was taken: GPS time (UTC, from satellites) when present, else
        DateTimeOriginal with its offset, else with the report's device offset."""
        if self.gps_time:
            return datetime.fromisoformat(self.gps_time)
        if not self.datetime_original:
            return None
        try:
            naive = datetime.strptime(  # noqa: DTZ007  (the zone is applied below)
                self.datetime_original.strip()[:19], "%Y:%m:%d %H:%M:%S"
            )
        except ValueError:
            return None
        tz = _parse_offset(self.offset_time_original)
        if tz is None and fallback_offset_min is not None:
            tz = timezone(timedelta(minutes=fallback_offset_min))
        return naive.replace(tzinfo=tz).astimezone(UTC) if tz else None


def _parse_offset(text: str | None) -> timezone | None:
    if not text or len(text.strip()) < 6:
        return None
    t = text.strip()
    try:
        sign = -1 if t[0] == "-" else 1
        hours, minutes = int(t[1:3]), int(t[4:6])
    except ValueError:
        return None
    if hours > 14 or minutes >= 60:
        return None
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _text(value: Any) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:100] or None


def _rational(v: Any) -> float:
    f = float(v)
    if not math.isfinite(f):
        raise ValueError("not finite")
    return f


def _dms(value: Any) -> float:
    d, m, s = (_rational(x) for x in value)
    return d + m / 60 + s / 3600


def _gps(gps: dict[int, Any], info: ExifInfo) -> None:
    tags = ExifTags.GPS
    try:
        lat_ref = _text(gps.get(tags.GPSLatitudeRef))
        lon_ref = _text(gps.get(tags.GPSLongitudeRef))
        if tags.GPSLatitude in gps and tags.GPSLongitude in gps:
            lat = _dms(gps[tags.GPSLatitude]) * (-1 if (lat_ref or "N").upper() == "S" else 1)
            lon = _dms(gps[tags.GPSLongitude]) * (-1 if (lon_ref or "E").upper() == "W" else 1)
            # 0,0 is what some phones write when they had no fix.
            if -90 <= lat <= 90 and -180 <= lon <= 180 and (lat, lon) != (0.0, 0.0):
                info.gps_lat, info.gps_lon = round(lat, 7), round(lon, 7)
            elif (lat, lon) != (0.0, 0.0):
                info.problems.append("koordinat GPS di EXIF tidak sah")
    except (TypeError, ValueError, ZeroDivisionError):
        info.problems.append("koordinat GPS di EXIF tidak terbaca")
    try:
        if tags.GPSAltitude in gps:
            alt = _rational(gps[tags.GPSAltitude])
            below = gps.get(tags.GPSAltitudeRef) in (1, b"\x01")
            info.gps_alt_m = round(-alt if below else alt, 1)
    except (TypeError, ValueError, ZeroDivisionError):
        pass
    try:
        date_s = _text(gps.get(tags.GPSDateStamp))
        time_v = gps.get(tags.GPSTimeStamp)
        if date_s and time_v:
            h, m, s = (_rational(x) for x in time_v)
            base = datetime.strptime(date_s[:10], "%Y:%m:%d").replace(tzinfo=UTC)
            info.gps_time = (base + timedelta(hours=h, minutes=m, seconds=s)).isoformat()
    except (TypeError, ValueError, ZeroDivisionError):
        info.problems.append("waktu GPS di EXIF tidak terbaca")


def read_exif(img: Image.Image) -> ExifInfo:
    """Whatever EXIF can be read; broken parts are noted, never fatal."""
    info = ExifInfo()
    try:
        exif = img.getexif()
    except Exception:  # Pillow raises a zoo of errors on damaged EXIF blocks
        info.problems.append("blok EXIF rusak")
        return info
    try:
        info.make = _text(exif.get(0x010F))
        info.model = _text(exif.get(0x0110))
        o = exif.get(0x0112)
        info.orientation = int(o) if isinstance(o, int) and 1 <= o <= 8 else None
    except Exception:
        info.problems.append("tag EXIF utama rusak")
    try:
        sub = exif.get_ifd(EXIF_IFD)
        info.datetime_original = _text(sub.get(0x9003)) or _text(exif.get(0x0132))
        info.offset_time_original = _text(sub.get(0x9011)) or _text(sub.get(0x9010))
    except Exception:
        info.problems.append("IFD Exif rusak")
    try:
        gps = exif.get_ifd(GPS_IFD)
        if gps:
            _gps(dict(gps), info)
    except Exception:
        info.problems.append("IFD GPS rusak")
    return info


# --- derived images --------------------------------------------------------------------


@dataclass
class Processed:
    header: Header
    exif: ExifInfo
    web_jpeg: bytes
    thumb_jpeg: bytes
    dhash: int
    # The public copy's size and the faces and plates blurred in it (k3zones.blur), filled
    # by the worker's derive step.
    public: PublicCopy | None = None


def _fit(w: int, h: int, box: int) -> tuple[int, int]:
    scale = min(1.0, box / max(w, h))
    return max(1, round(w * scale)), max(1, round(h * scale))


# EXIF Orientation -> the transpose that makes the picture upright (as ImageOps.exif_transpose).
_TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _rgb(img: Image.Image) -> Image.Image:
    if img.mode == "RGB":
        return img
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        bg = Image.new("RGB", rgba.size, (255, 255, 255))
        bg.paste(rgba, mask=rgba.getchannel("A"))
        return bg
    return img.convert("RGB")


def _jpeg(img: Image.Image) -> bytes:
    out = io.BytesIO()
    # No exif= argument: derived images carry no metadata (location stays in the original).
    img.save(out, "JPEG", quality=JPEG_QUALITY)
    return out.getvalue()


def dhash(img: Image.Image) -> int:
    """64-bit difference hash: robust to re-encoding and resizing, cheap to compare."""
    small = img.convert("L").resize((9, 8), Image.Resampling.BILINEAR)
    px = small.load()
    assert px is not None
    bits = 0
    for y in range(8):
        for x in range(8):
            bits = (bits << 1) | (1 if px[x, y] > px[x + 1, y] else 0)  # type: ignore[operator]
    return bits - (1 << 64) if bits >= 1 << 63 else bits  # as a signed BIGINT


def hash_bands(h: int) -> list[int]:
    """The hash's eight bytes, each tagged with its position (0..2047)."""
    u = h & ((1 << 64) - 1)
    return [i * 256 + ((u >> (8 * i)) & 0xFF) for i in range(8)]


def hamming(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def _heif_web(src: str | Path | IO[bytes], size: tuple[int, int]) -> Image.Image | None:
    if isinstance(src, str | Path):
        with open(src, "rb") as f:
            return heif.decode_fit(f, WEB_PX, size, MAX_PIXELS)
    at = src.tell()
    try:
        return heif.decode_fit(src, WEB_PX, size, MAX_PIXELS)
    finally:
        src.seek(at)


def _decode_web(img: Image.Image) -> Image.Image:
    """Decode through Pillow (JPEG in draft mode already) and shrink to the web size."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            img.load()
    except (OSError, SyntaxError, ValueError, EOFError, RuntimeError) as exc:
        # EOFError, RuntimeError: libheif (pillow-heif) on a damaged or over-limit HEIC.
        raise ImageRejected(
            "Berkas foto terpotong atau rusak; kirim ulang foto dari ponsel."
        ) from exc
    # Shrink first, then turn upright and convert: both then work on ~2 MP, not 16.
    web = img if img.mode in ("RGB", "RGBA", "L", "LA") else _rgb(img)
    # HEIF through libheif and PNG have no shrink-on-load (every tile at full size; a PNG
    # has one size): a box reduce by the whole factor first, then bicubic, halves the
    # resize of a 16 MP decode (reducing_gap 1.0; a JPEG after draft is < 2x off).
    web.thumbnail((WEB_PX, WEB_PX), Image.Resampling.BICUBIC, reducing_gap=1.0)
    return web


def process(src: str | Path | IO[bytes]) -> Processed:
    """Decode once, at the smallest scale the web image allows (JPEG draft mode: libjpeg
    decodes at 1/2, 1/4 or 1/8 of the size), and derive a web-size and a thumbnail JPEG,
    both upright and without EXIF. The full-size pixels are dropped as soon as the web
    image exists (thumbnail() shrinks in place), so a 16 MP HEIC is held once."""
    img = _open(src)
    try:
        header = Header(MIME[img.format or ""], img.width, img.height)
        exif = read_exif(img)
        if img.format == "JPEG":
            # The square box is the same whichever way the photo is rotated.
            img.draft("RGB", _fit(img.width, img.height, WEB_PX))
        # A phone HEIC: FFmpeg's HEVC decoder, converted and scaled in one step (k3zones.heif);
        # None for what that path does not handle, which libheif decodes below.
        web = _heif_web(src, (img.width, img.height)) if img.format == "HEIF" else None
        if web is None:
            web = _decode_web(img)
        turn = _TRANSPOSE.get(exif.orientation or 1)
        if turn is not None:
            web = web.transpose(turn)
        web = _rgb(web)
        thumb = web.copy()
        thumb.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.LANCZOS)
        return Processed(header, exif, _jpeg(web), _jpeg(thumb), dhash(thumb))
    finally:
        img.close()
