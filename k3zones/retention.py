"""How long personal data is kept, and when each kind of it is due for deletion.

Pure: dates in, dates out. The defaults, and why:

- originals (full-size photos with EXIF and GPS): 5 years after the end of the LKIP year
  the photo belongs to. The LKIP is audited by Inspektorat and BPK in the year after it;
  five more years cover a re-audit and the usual period for financial and performance
  records, after which the web image and the hash are evidence enough.
- derivatives (web, thumbnail and public copies): 5 years after the LKIP year too: they
  are what the console, /publik and an evidence packet show; a kecamatan may shorten it.
- complainants' contact data (name, phone, e-mail): 1 year after the complaint is closed
  (selesai or ditolak): long enough for a follow-up or an objection, no longer (UU 27/2022
  asks for data to be kept only as long as its purpose needs).
- access logs (who opened an original, signed-in sessions): 2 years: an audit of who saw
  what reaches back over one LKIP cycle.

A photo's LKIP year is the WIB year of its report's start (or the complaint's receipt).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from k3zones.periods import WIB


@dataclass(frozen=True)
class Periods:
    originals_years: int = 5
    derivatives_years: int = 5
    contact_days: int = 365
    access_log_days: int = 730

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


DEFAULT = Periods()

# The ranges the API and the database accept (inclusive).
RANGES: dict[str, tuple[int, int]] = {
    "originals_years": (1, 30),
    "derivatives_years": (1, 30),
    "contact_days": (30, 3650),
    "access_log_days": (90, 3650),
}


def last_kept_year(now: datetime, years: int) -> int:
    """The latest LKIP year whose photos are due: a photo of year Y is deleted from
    1 January of Y + 1 + years (WIB) on."""
    return now.astimezone(WIB).year - 1 - years


def photo_due(lkip_year: int, now: datetime, years: int) -> bool:
    return lkip_year <= last_kept_year(now, years)


def contact_due(closed_at: datetime | None, now: datetime, days: int) -> bool:
    """Contact data of a complaint is due `days` after it was closed (never while open)."""
    return closed_at is not None and closed_at + timedelta(days=days) <= now


def log_cutoff(now: datetime, days: int) -> datetime:
    """Access-log rows from before this are due."""
    return now - timedelta(days=days)
