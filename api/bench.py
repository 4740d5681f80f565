"""A bare endpoint for `make bench`: the same app, auth and database, one INSERT.

Registered only when K3_BENCH=1, so it never exists in a deployment.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from sqlalchemy import text

from api.context import k3
from api.parser import Blueprint

blp = Blueprint("bench", __name__, url_prefix="/api/v1/_bench", description="Hanya untuk bench")

DDL = "CREATE TABLE IF NOT EXISTS bench_insert (id bigserial PRIMARY KEY, body jsonb)"


@blp.route("/insert")
class Insert(MethodView):
    @blp.response(201)
    def post(self) -> Any:
        """Satu INSERT, sebagai pembanding"""
        with k3().engine.begin() as c:
            c.execute(text("INSERT INTO bench_insert (body) VALUES ('{}')"))
        return {"ok": True}
