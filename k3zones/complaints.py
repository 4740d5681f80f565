"""Pure rules of the complaints desk (pengaduan masyarakat): categories, the state machine,
the SLA clock in working days (Indonesian public holidays, WIB), duplicates, tracking
codes, and the checks every complaint passes whichever way it came in (the /lapor form or
a partner app through Open311 GeoReport v2). No database here."""

from __future__ import annotations

import functools
import math
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import holidays

from k3zones.enums import ComplaintRejection, ComplaintState
from k3zones.errors import FieldError
from k3zones.periods import WIB
from k3zones.reports import VIOLATIONS
from k3zones.strictjson import text_problem

S = ComplaintState

# Categories: the K3 violation kinds (with "lainnya"), named and described in Indonesian.
CATEGORY_DESCRIPTIONS = {
    "pkl": "Pedagang kaki lima berjualan di trotoar, bahu jalan, atau fasilitas umum.",
    "bangunan_liar": "Bangunan atau lapak permanen tanpa izin di lahan umum.",
    "spanduk": "Spanduk, baliho, atau umbul-umbul liar.",
    "reklame_kain": "Reklame kain dipasang tanpa izin.",
    "parkir_liar": "Parkir liar yang mengganggu jalan atau trotoar.",
    "sampah": "Tumpukan sampah liar atau sampah dibuang sembarangan.",
    "lainnya": "Gangguan ketertiban, kebersihan, atau keindahan lainnya.",
}
CATEGORIES: dict[str, str] = {k: v[:1].upper() + v[1:] for k, v in VIOLATIONS.items()}
assert set(CATEGORIES) == set(CATEGORY_DESCRIPTIONS)

# Open311 service attributes per category (GeoReport v2 service definitions).
ATTRIBUTES: dict[str, list[dict[str, object]]] = {
    "pkl": [
        {
            "variable": True,
            "code": "jumlah_lapak",
            "datatype": "number",
            "required": False,
            "datatype_description": "Perkiraan jumlah lapak",
            "order": 1,
            "description": "Berapa lapak PKL yang terlihat?",
            "values": [],
        }
    ],
    "sampah": [
        {
            "variable": True,
            "code": "volume",
            "datatype": "singlevaluelist",
            "required": False,
            "datatype_description": "Perkiraan volume sampah",
            "order": 1,
            "description": "Seberapa banyak sampahnya?",
            "values": [
                {"key": "kecil", "name": "Sedikit (kurang dari 1 gerobak)"},
                {"key": "sedang", "name": "Sedang (1-3 gerobak)"},
                {"key": "besar", "name": "Banyak (lebih dari 3 gerobak)"},
            ],
        }
    ],
}

# --- the state machine -------------------------------------------------------------------

# Forward steps and the ways back (a refusal reconsidered, a team withdrawn, a report that
# was not accepted).
TRANSITIONS: dict[ComplaintState, frozenset[ComplaintState]] = {
    S.BARU: frozenset({S.DITERIMA, S.DITOLAK}),
    S.DITERIMA: frozenset({S.DITUGASKAN, S.DITOLAK}),
    S.DITOLAK: frozenset({S.DITERIMA}),
    S.DITUGASKAN: frozenset({S.DITANGANI, S.DITERIMA}),
    S.DITANGANI: frozenset({S.SELESAI, S.DITUGASKAN}),
    S.SELESAI: frozenset(),
}
CLOSED = frozenset({S.DITOLAK, S.SELESAI})
OPEN = frozenset(S) - CLOSED

STATE_LABELS = {
    S.BARU: "Baru diterima sistem, menunggu diperiksa",
    S.DITERIMA: "Diterima Seksi Trantib",
    S.DITOLAK: "Tidak ditindaklanjuti",
    S.DITUGASKAN: "Tim sudah ditugaskan",
    S.DITANGANI: "Sedang/sudah ditangani tim",
    S.SELESAI: "Selesai",
}
REJECTION_LABELS = {
    ComplaintRejection.DUPLIKAT: "Laporan yang sama sudah ada",
    ComplaintRejection.BUKAN_WEWENANG: "Bukan wewenang kecamatan",
    ComplaintRejection.TIDAK_LENGKAP: "Laporan tidak lengkap",
}


def can_move(src: ComplaintState, dst: ComplaintState) -> bool:
    return dst in TRANSITIONS[src]


def transition_problem(src: ComplaintState, dst: ComplaintState) -> str | None:
    """Why a complaint in `src` may not move to `dst` (None: it may)."""
    if can_move(src, dst):
        return None
    allowed = ", ".join(sorted(s.value for s in TRANSITIONS[src])) or "tidak ada (sudah final)"
    return f"Pengaduan berstatus {src.value} tidak dapat diubah ke {dst.value}. Bisa ke: {allowed}."


def open311_status(state: ComplaintState) -> str:
    """GeoReport v2 knows two statuses."""
    return "closed" if state in CLOSED else "open"


# --- SLA: working days with Indonesian public holidays, in WIB ---------------------------


@functools.lru_cache(maxsize=64)
def _holidays_of(year: int) -> frozenset[date]:
    return frozenset(holidays.country_holidays("ID", years=year).keys())


@dataclass(frozen=True)
class WorkCalendar:
    """Monday to Friday, minus the national public holidays (the `holidays` package) and
    any extra days off a kecamatan declares (cuti bersama)."""

    extra_days_off: frozenset[date] = frozenset()

    def is_working_day(self, d: date) -> bool:
        return d.weekday() < 5 and d not in _holidays_of(d.year) and d not in self.extra_days_off

    def holiday_name(self, d: date) -> str | None:
        names = holidays.country_holidays("ID", years=d.year, language="id")
        return names.get(d)


DAY = timedelta(days=1)
# No SLA is longer than this many working days (the per-kecamatan table is capped at 60).
MAX_SLA_DAYS = 60


def _day_start(d: date) -> datetime:
    return datetime(d.year, d.month, d.day, tzinfo=WIB)


def working_time(cal: WorkCalendar, start: datetime, end: datetime) -> timedelta:
    """How much working-day time (whole WIB days count 24 h) lies between two instants."""
    if end <= start:
        return timedelta(0)
    s, e = start.astimezone(WIB), end.astimezone(WIB)
    total = timedelta(0)
    d = s.date()
    while d <= e.date():
        if cal.is_working_day(d):
            lo = max(s, _day_start(d))
            hi = min(e, _day_start(d + DAY))
            if hi > lo:
                total += hi - lo
        d += DAY
    return total


def add_working_days(cal: WorkCalendar, start: datetime, days: int) -> datetime:
    """The instant when `days` working days have run since `start`: the clock only runs on
    working days (a Friday 16:00 complaint with 1 day is due Monday 16:00; one that comes
    in on a Saturday starts on Monday 00:00 WIB)."""
    if days < 0 or days > MAX_SLA_DAYS:
        raise ValueError("days out of range")
    s = start.astimezone(WIB)
    left = timedelta(days=days)
    d = s.date()
    cursor = s
    while True:
        if cal.is_working_day(d):
            end_of_day = _day_start(d + DAY)
            room = end_of_day - cursor
            if left <= room:
                return cursor + left
            left -= room
        d += DAY
        cursor = _day_start(d)


# Working days a state may last, per category (a kecamatan may override any of them).
DEFAULT_SLA_DAYS: dict[ComplaintState, int] = {
    S.BARU: 1,  # triage by Seksi Trantib
    S.DITERIMA: 1,  # dispatch a team
    S.DITUGASKAN: 3,  # the team goes out and files its report
    S.DITANGANI: 2,  # the report is reviewed
}
CATEGORY_SLA_DAYS: dict[str, dict[ComplaintState, int]] = {
    "bangunan_liar": {S.DITUGASKAN: 10},  # a warning letter precedes demolition
    "spanduk": {S.DITUGASKAN: 2},
    "sampah": {S.DITUGASKAN: 2},
}


def sla_days(
    category: str,
    state: ComplaintState,
    overrides: Mapping[tuple[str, str], int] | None = None,
) -> int | None:
    """Working days allowed in a state (None: the state has no clock)."""
    if state in CLOSED:
        return None
    if overrides:
        own = overrides.get((category, state.value))
        if own is not None:
            return own
    return CATEGORY_SLA_DAYS.get(category, {}).get(state, DEFAULT_SLA_DAYS[state])


@dataclass(frozen=True)
class SlaView:
    due_at: datetime | None
    elapsed: timedelta  # working time since the state began
    remaining: timedelta | None
    phase: str  # aman | peringatan | lewat | tanpa_sla


def sla_phase(
    cal: WorkCalendar, since: datetime, due_at: datetime | None, now: datetime
) -> SlaView:
    """Where the clock stands: `peringatan` once a quarter (at least 4 working hours) of
    the allowed time is left, `lewat` after it ran out."""
    elapsed = working_time(cal, since, now)
    if due_at is None:
        return SlaView(None, elapsed, None, "tanpa_sla")
    allowed = working_time(cal, since, due_at)
    remaining = working_time(cal, now, due_at)
    if now >= due_at:
        return SlaView(due_at, elapsed, timedelta(0), "lewat")
    warn = max(allowed / 4, timedelta(hours=4))
    return SlaView(due_at, elapsed, remaining, "peringatan" if remaining <= warn else "aman")


def median_days(durations: Iterable[timedelta]) -> float | None:
    xs = sorted(d.total_seconds() / 86400 for d in durations)
    if not xs:
        return None
    mid = len(xs) // 2
    v = xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2
    return round(v, 2)


# --- duplicates --------------------------------------------------------------------------


@dataclass(frozen=True)
class DuplicateRule:
    """A new complaint of the same category within this distance and these days of an open
    one is merged into it."""

    max_m: float = 50.0
    max_days: int = 7

    def matches(self, category_a: str, category_b: str, distance_m: float, age: timedelta) -> bool:
        return (
            category_a == category_b
            and math.isfinite(distance_m)
            and 0 <= distance_m <= self.max_m
            and timedelta(0) <= age <= timedelta(days=self.max_days)
        )


# --- tracking codes ----------------------------------------------------------------------

# Crockford's base32 without I, L, O, U: read aloud over the phone without mistakes.
_CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_RE = re.compile(r"^ADU-[0-9A-HJKMNP-TV-Z]{8}$")


def new_code() -> str:
    return "ADU-" + "".join(secrets.choice(_CODE_ALPHABET) for _ in range(8))


def normalise_code(raw: str) -> str | None:
    """The code as printed, from what a citizen typed (lower case, O for 0, spaces)."""
    c = raw.strip().upper().replace(" ", "")
    if not c.startswith("ADU-"):
        c = "ADU-" + c.removeprefix("ADU")
    head, body = c[:4], c[4:].replace("O", "0").replace("I", "1").replace("L", "1")
    c = head + body
    return c if CODE_RE.match(c) else None


# --- input -------------------------------------------------------------------------------

MAX_DESCRIPTION = 4000
MIN_DESCRIPTION = 10
MAX_ADDRESS = 500
MAX_NAME = 200
MAX_URL = 1000
MAX_PHOTOS = 3
_EMAIL_RE = re.compile(r"^[^@\s<>\"]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")
_PHONE_RE = re.compile(r"^\+?[0-9][0-9 .-]{6,20}$")
_NUM_RE = re.compile(r"^[+-]?[0-9]{1,3}(\.[0-9]{1,20})?$")


@dataclass
class ComplaintInput:
    category: str
    description: str
    lat: float | None
    lon: float | None
    address: str | None
    media_url: str | None
    name: str | None
    phone: str | None
    email: str | None
    attributes: dict[str, str] = field(default_factory=dict)


def _clean(raw: str | None) -> str | None:
    if raw is None:
        return None
    v = raw.strip()
    return v or None


def _text(
    errors: list[FieldError], name: str, raw: str | None, max_len: int, *, min_len: int = 0
) -> str | None:
    v = _clean(raw)
    if v is None:
        if min_len:
            errors.append(FieldError((name,), "Wajib diisi."))
        return None
    why = text_problem(v)
    if why:
        errors.append(FieldError((name,), why))
        return None
    if len(v) > max_len:
        errors.append(FieldError((name,), f"Paling banyak {max_len} huruf."))
        return None
    if len(v) < min_len:
        errors.append(FieldError((name,), f"Paling sedikit {min_len} huruf."))
        return None
    return v


def _coordinate(errors: list[FieldError], name: str, raw: str | None, limit: float) -> float | None:
    v = _clean(raw)
    if v is None:
        return None
    if not _NUM_RE.match(v):
        errors.append(FieldError((name,), "Harus angka desimal (mis. -6.2088)."))
        return None
    x = float(v)
    if not -limit <= x <= limit:
        errors.append(FieldError((name,), f"Harus di antara -{limit:g} dan {limit:g}."))
        return None
    return x


def parse_input(
    form: Mapping[str, str], *, require_location: bool
) -> ComplaintInput | list[FieldError]:
    """One complaint from form fields (Open311 names: service_code, lat, long,
    address_string, description, media_url, first_name, last_name, phone, email,
    attribute[code]). Returns every problem at once."""
    errors: list[FieldError] = []
    code = _clean(form.get("service_code"))
    if code is None:
        errors.append(FieldError(("service_code",), "Wajib diisi."))
    elif code not in CATEGORIES:
        errors.append(
            FieldError(("service_code",), f"Harus salah satu dari: {', '.join(CATEGORIES)}.")
        )
    description = _text(
        errors, "description", form.get("description"), MAX_DESCRIPTION, min_len=MIN_DESCRIPTION
    )
    lat = _coordinate(errors, "lat", form.get("lat"), 90)
    lon = _coordinate(errors, "long", form.get("long"), 180)
    address = _text(errors, "address_string", form.get("address_string"), MAX_ADDRESS)
    if (lat is None) != (lon is None) and not any(e.path[0] in ("lat", "long") for e in errors):
        errors.append(FieldError(("lat" if lat is None else "long",), "Isi lintang dan bujur."))
    if lat is None and lon is None and address is None and require_location:
        errors.append(FieldError(("lat",), "Lokasi wajib: pilih titik di peta atau pakai GPS."))
    elif lat is None and lon is None and address is None:
        errors.append(FieldError(("lat",), "Lokasi wajib: isi lat dan long, atau address_string."))
    media_url = _text(errors, "media_url", form.get("media_url"), MAX_URL)
    if media_url is not None:
        parts = urlsplit(media_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            errors.append(FieldError(("media_url",), "Harus alamat http:// atau https://."))
            media_url = None
    first = _text(errors, "first_name", form.get("first_name"), 100)
    last = _text(errors, "last_name", form.get("last_name"), 100)
    name = " ".join(p for p in (first, last) if p) or None
    phone = _text(errors, "phone", form.get("phone"), 32)
    if phone is not None and not _PHONE_RE.match(phone):
        errors.append(FieldError(("phone",), "Nomor telepon tidak valid (mis. 0812 3456 7890)."))
    email = _text(errors, "email", form.get("email"), 254)
    if email is not None and not _EMAIL_RE.match(email):
        errors.append(FieldError(("email",), "Alamat e-mail tidak valid."))
    attributes: dict[str, str] = {}
    known = {str(a["code"]) for a in ATTRIBUTES.get(code or "", [])}
    for key, value in form.items():
        if key.startswith("attribute[") and key.endswith("]"):
            attr = key[len("attribute[") : -1]
            if attr not in known:
                errors.append(FieldError((key,), "Atribut tidak dikenal untuk kategori ini."))
                continue
            v = _text(errors, key, value, 100)
            if v is not None:
                attributes[attr] = v
    if errors:
        return errors
    assert code is not None and description is not None
    return ComplaintInput(
        category=code,
        description=description,
        lat=lat,
        lon=lon,
        address=address,
        media_url=media_url,
        name=name,
        phone=phone,
        email=email,
        attributes=attributes,
    )


# --- figures for the indicator and the LKIP ------------------------------------------------

PERIOD_RE = re.compile(r"^(20[0-9]{2}|2100)(-(0[1-9]|1[0-2])|-T[1-4])?$")


def parse_period(raw: str) -> tuple[str, int, int]:
    """ "2026" (year), "2026-11" (month), "2026-T4" (triwulan) -> (kind, year, number)."""
    m = PERIOD_RE.match(raw)
    if not m:
        raise ValueError(raw)
    year = int(m.group(1))
    rest = m.group(2)
    if not rest:
        return "year", year, 0
    if rest.startswith("-T"):
        return "quarter", year, int(rest[2:])
    return "month", year, int(rest[1:])


@dataclass(frozen=True)
class FigureRow:
    category: str
    kelurahan: str | None
    state: ComplaintState
    duplicate: bool
    received_at: datetime
    closed_at: datetime | None
    within_sla: bool


def _group(rows: list[FigureRow]) -> dict[str, object]:
    done = [r for r in rows if r.state == S.SELESAI]
    within = [r for r in done if r.within_sla]
    return {
        "received": len(rows),
        "duplicates": sum(1 for r in rows if r.duplicate),
        "rejected": sum(1 for r in rows if r.state == S.DITOLAK and not r.duplicate),
        "closed": len(done),
        "closed_within_sla": len(within),
        "pct_within_sla": round(100 * len(within) / len(done), 2) if done else None,
        "median_days_to_close": median_days(
            r.closed_at - r.received_at for r in done if r.closed_at is not None
        ),
        "open": sum(1 for r in rows if r.state in OPEN),
    }


def figures(rows: Iterable[FigureRow]) -> dict[str, object]:
    """Received, closed (selesai), % closed within SLA, median days to close: overall, by
    category and by kelurahan (rows of the complaints received in the period)."""
    all_rows = list(rows)
    by_cat: dict[str, list[FigureRow]] = {}
    by_kel: dict[str, list[FigureRow]] = {}
    for r in all_rows:
        by_cat.setdefault(r.category, []).append(r)
        by_kel.setdefault(r.kelurahan or "(di luar batas kelurahan)", []).append(r)
    return {
        **_group(all_rows),
        "by_category": [
            {"category": k, "name": CATEGORIES.get(k, k), **_group(v)}
            for k, v in sorted(by_cat.items())
        ],
        "by_kelurahan": [{"kelurahan": k, **_group(v)} for k, v in sorted(by_kel.items())],
    }
