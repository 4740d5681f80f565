"""Photos as phones send them: a report waiting for photos, an upload, a JPEG with GPS in
Medansatria, and waiting for the worker to process them."""

from __future__ import annotations

import io
import time
import uuid
from typing import Any

from PIL import Image, ImageDraw

from tests.support.payloads import report


def new_report(phone: Any, photos: int = 1, **over: Any) -> str:
    r = phone.post("/api/v1/reports", json=report(photos_expected=photos, **over))
    assert r.status_code == 201, r.get_json()
    return str(r.get_json()["id"])


def put(
    phone: Any, rid: str, data: bytes, ctype: str = "image/jpeg", pid: str | None = None, **kw: Any
) -> Any:
    return phone.put(
        f"/api/v1/reports/{rid}/photos/{pid or uuid.uuid4()}", data=data, content_type=ctype, **kw
    )


def wait_processed(phone: Any, rid: str, timeout: float = 60) -> dict[str, Any]:
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        body = phone.get(f"/api/v1/reports/{rid}").get_json()
        if body["photos"] and all(p["status"] != "diterima" for p in body["photos"]):
            return body
        time.sleep(0.2)
    raise AssertionError(f"photos of {rid} not processed in {timeout}s")


def jpeg_with_gps(lat: float, lon: float, seed: int = 0) -> bytes:
    """A JPEG as a phone in Medansatria would write it (south latitude, east longitude)."""
    img = Image.linear_gradient("L").resize((800, 600)).convert("RGB")
    draw = ImageDraw.Draw(img)
    for i in range(6):  # a few shapes, so the picture has something to recognise
        x, y = (97 * (i + 1) + 31 * seed) % 700, (61 * (i + 2) + 17 * seed) % 500
        draw.ellipse((x, y, x + 90, y + 70), fill=(200, 40 * i % 255, 60))
    exif = img.getexif()
    exif[0x010F], exif[0x0110] = "Samsung", "Galaxy A14"

    def dms(v: float) -> tuple[float, float, float]:
        v = abs(v)
        d = int(v)
        m = int((v - d) * 60)
        return (float(d), float(m), round((v - d - m / 60) * 3600, 3))

    gps = exif.get_ifd(0x8825)
    gps.update(
        {
            1: "S" if lat < 0 else "N",
            2: dms(lat),
            3: "E" if lon >= 0 else "W",
            4: dms(lon),
            29: "2024:05:02",
            7: (1.0, 20.0, 0.0),
        }
    )
    sub = exif.get_ifd(0x8769)
    sub.update({0x9003: "2024:05:02 08:20:00", 0x9011: "+07:00"})
    out = io.BytesIO()
    img.save(out, "JPEG", exif=exif, quality=90)
    return out.getvalue()
