"""The public copy's pure parts: boxes kept inside the image, blurring that removes detail
inside a box and nothing outside it, the public keys, and the retention clock. OpenCV is
not imported here (detection is measured in tests/integration/test_privacy.py)."""

from __future__ import annotations

import io
import sys
from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw, ImageStat

from k3zones import blur, retention
from tests.support.strategies import load_profile

load_profile()


def _checker(w: int = 200, h: int = 150) -> Image.Image:
    img = Image.new("RGB", (w, h), (255, 255, 255))
    d = ImageDraw.Draw(img)
    for x in range(0, w, 8):
        for y in range(0, h, 8):
            if (x // 8 + y // 8) % 2:
                d.rectangle((x, y, x + 7, y + 7), fill=(0, 0, 0))
    return img


def _var(img: Image.Image, box: tuple[int, int, int, int]) -> float:
    x, y, w, h = box
    return float(sum(ImageStat.Stat(img.crop((x, y, x + w, y + h))).var) / 3)


def test_apply_blurs_inside_the_box_only() -> None:
    img = _checker()
    out = blur.apply(img, [blur.Box(40, 30, 64, 64)])
    assert _var(out, (40, 30, 64, 64)) < _var(img, (40, 30, 64, 64)) / 20
    assert out.crop((120, 0, 200, 150)).tobytes() == img.crop((120, 0, 200, 150)).tobytes()
    assert out.size == img.size and img.getpixel((41, 31)) in ((0, 0, 0), (255, 255, 255))


def test_boxes_outside_or_half_outside_are_clamped() -> None:
    assert blur.clamp(blur.Box(-10, -10, 30, 30), 100, 100) == blur.Box(0, 0, 20, 20)
    assert blur.clamp(blur.Box(150, 10, 30, 30), 100, 100) is None
    assert blur.padded(blur.Box(0, 0, 20, 20), 100, 100) == blur.Box(0, 0, 23, 23)
    out = blur.apply(_checker(), [blur.Box(190, 140, 50, 50), blur.Box(500, 500, 5, 5)])
    assert out.size == (200, 150)


@given(
    x=st.integers(-50, 250), y=st.integers(-50, 200), w=st.integers(-5, 300), h=st.integers(-5, 300)
)
def test_any_box_is_safe(x: int, y: int, w: int, h: int) -> None:
    box = blur.Box(x, y, w, h)
    kept = blur.clamp(box, 200, 150)
    assert kept is None or kept.inside(200, 150)
    blur.apply(_checker(), [box])  # never raises, whatever the box


def test_public_images_carry_no_exif_and_keys_sit_beside_the_web_image() -> None:
    img = _checker()
    exif = img.getexif()
    exif[0x010F] = "Samsung"
    src = io.BytesIO()
    img.save(src, "JPEG", exif=exif)
    pub, thumb = blur.public_images(src.getvalue(), [blur.Box(0, 0, 50, 50)])
    assert len(Image.open(io.BytesIO(pub)).getexif()) == 0 and b"Samsung" not in pub
    assert max(Image.open(io.BytesIO(thumb)).size) <= blur.PUBLIC_THUMB_PX
    assert blur.public_keys("derived/m/2024/05/r/p-abc-web.jpg") == (
        "derived/m/2024/05/r/p-abc-publik.jpg",
        "derived/m/2024/05/r/p-abc-publik-thumb.jpg",
    )


def test_public_copy_without_boxes_is_the_bare_web_image_itself() -> None:
    web = io.BytesIO()
    _checker(1600, 686).save(web, "JPEG", quality=82)
    pub, thumb = blur.public_images(web.getvalue(), [])
    assert pub == web.getvalue()  # no second JPEG generation when nothing is hidden
    assert Image.open(io.BytesIO(thumb)).size == (320, 137)  # as thumbnail() of 1600x686
    # A source carrying metadata is never passed through, boxes or not.
    img = _checker()
    exif = img.getexif()
    exif[0x010F] = "Samsung"
    tagged = io.BytesIO()
    img.save(tagged, "JPEG", exif=exif)
    pub, _ = blur.public_images(tagged.getvalue(), [])
    assert pub != tagged.getvalue() and b"Samsung" not in pub
    assert len(Image.open(io.BytesIO(pub)).getexif()) == 0


def test_detection_image_is_small_luminance_and_maps_back() -> None:
    src = io.BytesIO()
    _checker(1600, 686).save(src, "JPEG")
    with Image.open(src) as img:
        gray, scale = blur.detection_gray(img)
    assert gray.mode == "L" and gray.size == (blur.DETECT_PX, 274)
    assert scale == blur.DETECT_PX / 1600
    small, scale = blur.detection_gray(_checker(300, 200))  # not shrunk below DETECT_PX
    assert small.size == (300, 200) and scale == 1.0


def test_opencv_stays_out_of_the_pure_modules() -> None:
    assert "cv2" not in sys.modules  # imaging, blur and retention imported above


def test_retention_clock() -> None:
    # A photo of LKIP year 2024 with 5 years: kept on 31 Dec 2029 WIB, due on 1 Jan 2030 WIB.
    last_day = datetime(2029, 12, 31, 16, 59, tzinfo=UTC)  # 23:59 WIB
    first_day = datetime(2029, 12, 31, 17, 0, tzinfo=UTC)  # 00:00 WIB, 1 January
    assert not retention.photo_due(2024, last_day, 5)
    assert retention.photo_due(2024, first_day, 5) and retention.photo_due(2023, first_day, 5)
    closed = datetime(2025, 3, 1, tzinfo=UTC)
    assert not retention.contact_due(closed, closed + timedelta(days=364), 365)
    assert retention.contact_due(closed, closed + timedelta(days=365), 365)
    assert not retention.contact_due(None, closed + timedelta(days=9999), 365)
    assert retention.log_cutoff(closed, 730) == closed - timedelta(days=730)
    d = retention.DEFAULT
    for name, (lo, hi) in retention.RANGES.items():
        assert lo <= getattr(d, name) <= hi


def test_detection_switched_off_finds_nothing_and_loads_no_opencv() -> None:
    blur.configure(detect=False)
    try:
        assert blur.detect(Image.new("RGB", (64, 48))) == []
    finally:
        blur.configure(detect=True)
    assert "cv2" not in sys.modules
