"""Privacy tests' helpers: a photo with a face (scikit-image's astronaut, a sample image
the package ships), a synthetic number plate, the public copy's pixels, and the
permission matrix's objects (one processed photo per kecamatan, reused; fresh boxes)."""

from __future__ import annotations

import io
import uuid
from functools import cache
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageStat
from sqlalchemy import select

from k3zones.models import Complaint, PhotoBlurBox, PhotoPublic
from k3zones.services import privacy


@cache
def astronaut_png() -> bytes:
    """Eileen Collins' portrait from skimage.data (public domain, NASA): one frontal face."""
    import skimage.data  # lazy: ~1 s to import, only the tests that need a face pay it

    out = io.BytesIO()
    Image.fromarray(skimage.data.astronaut()).save(out, "PNG")
    return out.getvalue()


@cache
def plate_jpeg() -> bytes:
    """A grey street with a red 'car' and a white Indonesian plate (B 1234 KJT), 200 px."""
    scene = Image.new("RGB", (800, 600), (90, 95, 100))
    d = ImageDraw.Draw(scene)
    d.rectangle((200, 250, 600, 480), fill=(150, 20, 20))
    w, h = 200, 45
    plate = Image.new("RGB", (w, h), (245, 245, 245))
    p = ImageDraw.Draw(plate)
    p.rectangle((1, 1, w - 2, h - 2), outline=(0, 0, 0), width=3)
    font = ImageFont.load_default(size=int(h * 0.7))
    text = "B 1234 KJT"
    p.text(((w - p.textlength(text, font=font)) / 2, h * 0.1), text, fill=(0, 0, 0), font=font)
    scene.paste(plate, (300, 375))
    out = io.BytesIO()
    scene.save(out, "JPEG", quality=92)
    return out.getvalue()


def variance(jpeg: bytes, box: tuple[int, int, int, int]) -> float:
    """Mean per-channel pixel variance inside (x, y, w, h)."""
    x, y, w, h = box
    with Image.open(io.BytesIO(jpeg)) as img:
        region = img.convert("RGB").crop((x, y, x + w, y + h))
    return float(sum(ImageStat.Stat(region).var) / 3)


def public_row(uow: Any, photo_id: str) -> PhotoPublic:
    with uow() as s:
        row = s.get(PhotoPublic, uuid.UUID(photo_id))
        assert row is not None, f"no public copy record for {photo_id}"
        s.expunge(row)
        return row


def active_boxes(uow: Any, photo_id: str) -> list[PhotoBlurBox]:
    with uow() as s:
        rows = list(
            s.scalars(
                select(PhotoBlurBox)
                .where(
                    PhotoBlurBox.photo_id == uuid.UUID(photo_id),
                    PhotoBlurBox.removed_at.is_(None),
                )
                .order_by(PhotoBlurBox.id)
            )
        )
        s.expunge_all()
        return rows


def complaint_code(app: Any, complaint_id: str) -> str:
    with app.extensions["k3"].uow() as s:
        code = s.scalar(select(Complaint.code).where(Complaint.id == uuid.UUID(complaint_id)))
        assert code is not None
        return str(code)


def shared_photo(w: Any, kec: str) -> str:
    """One processed photo per kecamatan for the permission matrix (detection is the
    slowest step of the pipeline: the matrix's dozens of calls share it)."""
    cache_: dict[str, str] = w.__dict__.setdefault("_privacy_photos", {})
    if kec not in cache_:
        cache_[kec] = w.photo(kec)
    return cache_[kec]


def box_path(w: Any, kec: str) -> str:
    """A fresh manual box on the kecamatan's shared photo; its DELETE path."""
    pid = shared_photo(w, kec)
    view = privacy.add_box(w.uow, w.principal(w.reviewer(kec)), uuid.UUID(pid), 1, 1, 4, 4)
    box = max(b["id"] for b in view["boxes"] if b["source"] == "manual")
    return f"/api/v1/photos/{pid}/blur-boxes/{box}"
