"""Who opened which photo original, when and from where (admin only)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from api.context import k3, principal
from api.parser import Blueprint
from api.schemas.photo_reads import PhotoReadPageSchema, PhotoReadQueryArgsSchema
from k3zones.services.photo_reads import ReadFilter, list_reads

blp = Blueprint(
    "photo_reads",
    __name__,
    url_prefix="/api/v1/photo-reads",
    description="Catatan pembukaan foto asli (dengan EXIF dan GPS), untuk admin",
)


@blp.route("")
class PhotoReads(MethodView):
    @blp.arguments(PhotoReadQueryArgsSchema, location="query")
    @blp.response(200, PhotoReadPageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Siapa membuka foto asli mana, kapan, dari alamat mana; terbaru dulu"""
        items, cursor = list_reads(
            k3().uow,
            principal(),
            ReadFilter(
                kecamatan=args.get("kecamatan"),
                photo_id=args.get("photo"),
                user_id=args.get("user"),
                since=args.get("since"),
                until=args.get("until"),
                before_id=args.get("cursor"),
                limit=args["limit"],
            ),
        )
        return {"items": items, "next_cursor": cursor}
