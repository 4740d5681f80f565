"""Small helpers shared by the HTTP tests."""

from __future__ import annotations

from typing import Any

PROBLEM = "application/problem+json"


def assert_problem(resp: Any, status: int, *words: str) -> dict[str, Any]:
    """A 4xx/5xx problem+json in Bahasa Indonesia containing the given words."""
    assert resp.status_code == status, (resp.status_code, resp.get_data(as_text=True))
    assert resp.mimetype == PROBLEM, resp.mimetype
    body = resp.get_json(force=True)
    assert body["status"] == status
    assert body["title"] and body["detail"]
    text = body["detail"] + " " + " ".join(e["message"] for e in body.get("errors", []))
    for w in words:
        assert w in text, (w, body)
    return body


def line(*pts: tuple[float, float]) -> dict[str, Any]:
    return {"type": "LineString", "coordinates": [list(p) for p in pts]}


def feature(geometry: Any, **props: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": geometry, "properties": props}
