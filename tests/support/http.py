"""What the HTTP tests share: problem+json checks and signed-in test clients."""

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


def demo_password(username: str) -> str:
    """The password the test fixtures give every sample user."""
    return f"{username}-Sandi#2024"


def login_client(app: Any, username: str, password: str | None = None) -> Any:
    """A test client signed in as `username` (every request carries its access token)."""
    c = app.test_client()
    r = c.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password or demo_password(username)},
    )
    assert r.status_code == 200, r.get_json()
    c.environ_base["HTTP_AUTHORIZATION"] = "Bearer " + r.get_json()["access_token"]
    c.tokens = r.get_json()
    return c
