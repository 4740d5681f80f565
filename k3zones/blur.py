"""Faces and number plates made unreadable in the photo the public sees.

Pure: Pillow images in, Pillow images out, no database, no storage. Detection uses the
Haar cascades that ship inside the opencv-python-headless wheel (nothing is downloaded at
run time); OpenCV is imported only inside `detect`, which only the worker calls, so the
API process and the unit tests never load it.

Boxes are in the pixel space of the web derivative (upright, at most imaging.WEB_PX on its
long side): the image detection ran on and the one the public derivative is made from.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import io
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageFilter

# (name in the result, cascade file in cv2.data.haarcascades, min neighbours)
# frontalface_alt2 rather than _default: on the real test photos _default fired on leaf
# texture and tree bark (9 false faces in 2 photos), alt2 on none, and both found the face
# in skimage's astronaut.
CASCADES: tuple[tuple[str, str, int], ...] = (
    ("wajah", "haarcascade_frontalface_alt2.xml", 4),
    ("wajah-samping", "haarcascade_profileface.xml", 5),
    ("pelat", "haarcascade_russian_plate_number.xml", 4),
)
# Detection runs on the web image's luminance shrunk to this long side. 640 rather than
# 800: OpenCV's cascades keep pyramid buffers that grow with the image's area (~15 MB
# each at 800 px), and the time grows with it too (bench/__main__.py bench_memory).
DETECT_PX = 640
MIN_BOX_PX = 20  # in the shrunk image: smaller faces/plates are not looked for
PAD = 0.15  # each detected box grows by this share on every side (hair, plate frame)
PUBLIC_THUMB_PX = 320
JPEG_QUALITY = 82


@dataclass(frozen=True)
class Box:
    x: int
    y: int
    w: int
    h: int
    detector: str | None = None  # e.g. "opencv-4.14.0/haarcascade_frontalface_alt2"
    score: float | None = None  # the cascade's level weight (higher: surer)

    def inside(self, width: int, height: int) -> bool:
        return (
            self.x >= 0
            and self.y >= 0
            and self.w > 0
            and self.h > 0
            and self.x + self.w <= width
            and self.y + self.h <= height
        )


@dataclass(frozen=True)
class PublicCopy:
    """The public copy as made: the web image's size and the boxes blurred in it."""

    width: int
    height: int
    boxes: tuple[Box, ...]


def clamp(box: Box, width: int, height: int) -> Box | None:
    """The part of a box inside the image (None when nothing is)."""
    x0, y0 = max(0, box.x), max(0, box.y)
    x1, y1 = min(width, box.x + box.w), min(height, box.y + box.h)
    if x1 <= x0 or y1 <= y0:
        return None
    return Box(x0, y0, x1 - x0, y1 - y0, box.detector, box.score)


def padded(box: Box, width: int, height: int, pad: float = PAD) -> Box:
    dx, dy = round(box.w * pad), round(box.h * pad)
    grown = Box(box.x - dx, box.y - dy, box.w + 2 * dx, box.h + 2 * dy, box.detector, box.score)
    return clamp(grown, width, height) or box


def _cascade(cv2: Any, filename: str) -> Any:
    """A fresh classifier (~25 ms to parse). Not cached on purpose: a classifier keeps
    the pyramid buffers of the largest image it saw until it is freed, and three cached
    ones held ~40 MB in every worker process between photos."""
    c = cv2.CascadeClassifier(cv2.data.haarcascades + filename)
    if c.empty():
        raise RuntimeError(f"cascade {filename} tidak dapat dibaca dari paket OpenCV")
    return c


def detection_gray(img: Image.Image) -> tuple[Image.Image, float]:
    """The image's luminance at most DETECT_PX on its long side, and its scale against
    the image. A JPEG not yet decoded is decoded as luminance only, at 1/2..1/8 of its
    size (draft mode): the full-size colour pixels are never held. `img` may be left in
    draft mode; read its size before."""
    width, height = img.size
    scale = min(1.0, DETECT_PX / max(width, height))
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    if scale < 1.0 and img.format == "JPEG":
        img.draft("L", size)
    gray = img.convert("L")
    if gray.size != size:
        gray = gray.resize(size, Image.Resampling.BOX)  # an area average, as INTER_AREA
    return gray, scale


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    """glibc's malloc_trim, or None (another C library: nothing to give back then)."""
    name = ctypes.util.find_library("c")
    trim = getattr(ctypes.CDLL(name), "malloc_trim", None) if name else None
    return None if trim is None else lambda pad: int(trim(pad))


def give_back_freed_memory() -> None:
    """Return the heap's free pages to the system. glibc keeps freed blocks of a few MB in
    the process (the decoded photo, a cascade's pyramid buffers: it raises its mmap
    threshold after the first such block), so each one stayed resident under the next
    allocation and the worker's peak grew by their sum (~8 MB on the 4608x1976 JPEG,
    `make bench WHAT=memory`). Called after each cascade in `detect` (~0.03 ms a call),
    where fixing malloc's threshold for the whole process (mallopt) cost 10-20 % more CPU
    per photo in page faults."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


_detecting = True


def configure(detect: bool) -> None:
    """Whether `detect` looks at all (K3_BLUR_DETECT; set once when the runtime is built)."""
    global _detecting
    _detecting = detect


def detect(img: Image.Image) -> list[Box]:
    """Faces (frontal and profile) and number plates, in the image's own pixels; none when
    detection is switched off (then only reviewers' boxes are blurred)."""
    if not _detecting:
        return []
    # why: OpenCV costs ~0.3 s and ~60 MB to import; only the worker that blurs needs it,
    # so it is loaded here and never by the API process or the unit tests.
    import cv2
    import numpy as np

    cv2.setNumThreads(1)  # the worker runs one task per process; no thread pool per call
    width, height = img.size  # before detection_gray may put a JPEG in draft mode
    small, scale = detection_gray(img)
    gray = cv2.equalizeHist(np.asarray(small))
    del small
    out: list[Box] = []
    for _name, filename, neighbours in CASCADES:
        cascade = _cascade(cv2, filename)
        found, _levels, weights = cascade.detectMultiScale3(
            gray,
            scaleFactor=1.15,
            minNeighbors=neighbours,
            minSize=(MIN_BOX_PX, MIN_BOX_PX),
            outputRejectLevels=True,
        )
        del cascade  # its buffers go now, before the next cascade builds its own
        give_back_freed_memory()
        tag = f"opencv-{cv2.__version__}/{filename.removesuffix('.xml')}"
        for (x, y, w, h), wt in zip(found, weights, strict=False):
            box = Box(
                round(x / scale),
                round(y / scale),
                max(1, round(w / scale)),
                max(1, round(h / scale)),
                tag,
                round(float(wt), 3),
            )
            kept = clamp(box, width, height)
            if kept is not None:
                out.append(kept)
    return out


def apply(img: Image.Image, boxes: list[Box]) -> Image.Image:
    """A copy with every box pixelated and then blurred: coarse blocks first (nothing of
    the face or the plate's characters survives), then a blur so no block edges remain.
    Irreversible: the public copy is made from these pixels, not from a reversible filter."""
    out = img.convert("RGB")  # a new image whatever the mode (convert copies)
    for raw in boxes:
        box = clamp(raw, out.width, out.height)
        if box is None:
            continue
        area = (box.x, box.y, box.x + box.w, box.y + box.h)
        region = out.crop(area)
        # About three blocks across: a face or a plate's characters become a smooth patch of
        # its average colours (on skimage's astronaut the pixel variance drops ~17x).
        block = max(4, max(box.w, box.h) // 3)
        small = region.resize(
            (max(1, box.w // block), max(1, box.h // block)), Image.Resampling.BOX
        )
        region = small.resize((box.w, box.h), Image.Resampling.BILINEAR)
        region = region.filter(ImageFilter.GaussianBlur(radius=block))
        out.paste(region, area[:2])
    return out


def jpeg(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=JPEG_QUALITY)  # no exif=: nothing of the original's EXIF
    return buf.getvalue()


def _bare_jpeg(img: Image.Image) -> bool:
    """A JPEG whose only marker segment is JFIF's APP0: no EXIF, XMP, ICC or comment."""
    applist = getattr(img, "applist", None)
    return (
        img.format == "JPEG"
        and applist is not None
        and all(marker == "APP0" for marker, _ in applist)
        and "comment" not in img.info
    )


def public_images(web_jpeg: bytes, boxes: list[Box]) -> tuple[bytes, bytes]:
    """(public web-size JPEG, public thumbnail JPEG) from the web derivative and the boxes
    (already padded or not, as the caller decided). Both carry no EXIF."""
    with Image.open(io.BytesIO(web_jpeg)) as src:
        if not boxes and _bare_jpeg(src):
            # Nothing to hide (most photos): the public copy is the web image's own bytes,
            # not a second JPEG generation, and the thumbnail is decoded at a fraction of
            # the size (thumbnail() puts the JPEG in draft mode before decoding).
            src.thumbnail((PUBLIC_THUMB_PX, PUBLIC_THUMB_PX), Image.Resampling.LANCZOS)
            return web_jpeg, jpeg(src.convert("RGB"))
        blurred = apply(src, boxes)
    thumb = blurred.copy()
    thumb.thumbnail((PUBLIC_THUMB_PX, PUBLIC_THUMB_PX), Image.Resampling.LANCZOS)
    return jpeg(blurred), jpeg(thumb)


def public_keys(web_key: str) -> tuple[str, str]:
    """Storage keys of the public web image and thumbnail beside a web derivative
    (`<base>-web.jpg` -> `<base>-publik.jpg`, `<base>-publik-thumb.jpg`)."""
    base = web_key.removesuffix("-web.jpg")
    return f"{base}-publik.jpg", f"{base}-publik-thumb.jpg"
