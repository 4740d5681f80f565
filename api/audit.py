"""The audit trail (read only: no endpoint changes or deletes an entry)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api.context import k3, principal
from api.parser import Blueprint
from api.schemas.audit import AuditPageSchema, AuditQueryArgsSchema
from k3zones.services.audit_log import AuditFilter, list_audit

blp = Blueprint(
    "audit", __name__, url_prefix="/api/v1/audit", description="Jejak audit setiap perubahan data"
)


@blp.route("")
class AuditLog(MethodView):
    @blp.arguments(AuditQueryArgsSchema, location="query")
    @blp.response(200, AuditPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Jejak audit, terbaru dulu (filter: entitas, pelaku, aksi, tanggal WIB). Alamat IP,
        perangkat dan peramban sesi masuk, NIP/telepon, serta EXIF/GPS foto hanya untuk
        admin; peran lain melihat "[disembunyikan]" dan daftar `hidden`."""
        items, cursor = list_audit(
            k3().uow,
            principal(),
            AuditFilter(
                kecamatan=args.get("kecamatan"),
                entity=args.get("entity"),
                entity_id=args.get("entity_id"),
                actor=args.get("actor"),
                action=args.get("action"),
                since=args.get("since"),
                until=args.get("until"),
                before_id=args.get("cursor"),
                limit=args["limit"],
            ),
        )
        return {"items": items, "next_cursor": cursor}
