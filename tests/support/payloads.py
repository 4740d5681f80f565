"""Bodies as phones and QGIS send them: GeoJSON pieces, a JSON report, an ODK instance.

Pure data builders (no services), shared by the unit and the integration tests.
"""

from __future__ import annotations

import uuid
from typing import Any

# On the sample Jl. Sultan Agung line (lon, lat: GeoJSON order).
SULTAN_AGUNG = [106.9790, -6.2072]


def point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def line(*pts: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in pts]}


def feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}


def report(**over: Any) -> dict[str, Any]:
    """A morning patrol on Jl. Sultan Agung, as the phone app sends it."""
    body = {
        "id": str(uuid.uuid4()),
        "type": "patroli",
        "started_at": "2024-05-02T08:15:00+07:00",
        "ended_at": "2024-05-02T09:00:00+07:00",
        "location": {"type": "Point", "coordinates": SULTAN_AGUNG},
        "accuracy_m": 8,
        "findings": [{"kind": "pkl", "count": 3, "notes": "di trotoar"}],
        "notes": "Patroli pagi",
        "photos_expected": 1,
    }
    body.update(over)
    return body


def odk_instance(
    iid: str, zone: str = "", count: int | str = 3, photos: int = 1, form: str = "k3-penertiban"
) -> bytes:
    """The instance XML ODK Collect posts for our forms: a joint operation on
    Jl. Sultan Agung (geopoint "lat lon altitude accuracy", units space-separated)."""
    fotos = "".join(f"<foto_{i}>IMG_{i}.jpg</foto_{i}>" for i in range(1, photos + 1))
    return f"""<?xml version='1.0' ?><data id="{form}" version="2026112801">
<start>2024-05-02T08:15:00.000+07:00</start><end>2024-05-02T09:05:00.000+07:00</end>
<zone>{zone}</zone><location>-6.2072 106.979 12.0 6.5</location>
<units>kecamatan polsek koramil</units>
<temuan><kind>pkl</kind><count>{count}</count><catatan>trotoar</catatan></temuan>
<tindakan><kind>teguran_lisan</kind><count>3</count></tindakan>
<notes>Operasi gabungan</notes>{fotos}
<meta><instanceID>uuid:{iid}</instanceID></meta></data>""".encode()
