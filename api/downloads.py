"""Content-Disposition for files people download (decree scans, LKIP exports).

One helper for every download: the stored name is user text (an upload's X-Filename, a
kecamatan slug), so it is never echoed as it is. RFC 6266 with RFC 5987/8187: a plain
ASCII `filename` for old clients and the full name, UTF-8 percent-encoded, in
`filename*`. CR/LF and other control characters, quotes, backslashes and path separators
never reach the header.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import quote

FALLBACK = "berkas"
# Characters a file name keeps; everything else becomes "_" (control characters vanish).
_UNSAFE = re.compile(r'[\\/"\x00-\x1f\x7f;:*?<>|]')
_NOT_ASCII_TOKEN = re.compile(r"[^A-Za-z0-9._ ()+-]")
# attr-char of RFC 5987 besides letters and digits: left as they are by quote().
_ATTR_CHAR = "!#$&+-.^_`|~"


def clean_filename(name: str) -> str:
    """The name without control characters, quotes or path parts, at most 200 chars."""
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:200] or FALLBACK


def content_disposition(filename: str, disposition: str = "attachment") -> str:
    """`attachment; filename="<ascii>"; filename*=UTF-8''<percent-encoded>`."""
    name = clean_filename(filename)
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = _NOT_ASCII_TOKEN.sub("_", ascii_name).strip(" .") or FALLBACK
    encoded = quote(name, safe=_ATTR_CHAR, encoding="utf-8")
    return f"{disposition}; filename=\"{ascii_name}\"; filename*=UTF-8''{encoded}"
