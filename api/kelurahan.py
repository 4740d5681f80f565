"""Kelurahan boundaries: an admin imports the kecamatan's layer (GeoJSON from QGIS).

Also `flask --app app kelurahan import <kecamatan> <file.geojson>` for operators.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from flask.cli import AppGroup
from flask.views import MethodView

from api.context import current_scope, k3
from api.parser import Blueprint, read_json_body
from api.schemas.kelurahan import (
    SLUG_PATTERN,
    BoundaryCollectionInSchema,
    BoundaryImportArgsSchema,
    BoundaryImportResultSchema,
)
from k3zones import strictjson
from k3zones.audit import Actor, acting_as
from k3zones.errors import DomainError
from k3zones.scope import Scope
from k3zones.services import kelurahan

blp = Blueprint(
    "kelurahan",
    __name__,
    url_prefix="/api/v1/kecamatan",
    description="Batas kelurahan (lapisan acuan peta dan data terbuka)",
    cli_group="kelurahan",
)

GEOJSON = "application/geo+json"
F = TypeVar("F", bound=Callable[..., Any])
KECAMATAN_PARAM = {
    "in": "path",
    "name": "kecamatan",
    "required": True,
    "schema": {"type": "string", "pattern": SLUG_PATTERN},
}


def _result(slug: str, views: list[kelurahan.BoundaryView], updated: int) -> dict[str, Any]:
    return {"kecamatan": slug, "updated": updated, "kelurahan": views}


def boundary_upload(bp: Blueprint) -> Callable[[F], F]:
    """The decorators of a kelurahan boundary upload on `bp`: the ?source and ?approximate
    query, a GeoJSON FeatureCollection body (application/geo+json or application/json,
    read with `read_json_body`), the import result (`boundary_result`)."""

    def decorate(view: F) -> F:
        view = bp.doc(
            requestBody={
                "required": True,
                "content": {
                    GEOJSON: {"schema": BoundaryCollectionInSchema},
                    "application/json": {"schema": BoundaryCollectionInSchema},
                },
            }
        )(view)
        view = bp.response(200, BoundaryImportResultSchema)(view)
        return bp.arguments(BoundaryImportArgsSchema, location="query")(view)

    return decorate


def boundary_result(slug: str, views: list[Any], body: dict[str, Any]) -> dict[str, Any]:
    """The answer of a boundary upload: every feature of the collection was imported."""
    return _result(slug, views, len(body["features"]))


@blp.route("/<kecamatan>/kelurahan/boundaries", parameters=[KECAMATAN_PARAM])
class KelurahanBoundaries(MethodView):
    @boundary_upload(blp)
    def post(self, args: dict[str, Any], kecamatan: str) -> Any:
        """Impor batas kelurahan (FeatureCollection Polygon/MultiPolygon, WGS 84): semua
        fitur tersimpan atau tidak sama sekali"""
        body = read_json_body()
        views = kelurahan.import_boundaries(
            k3().uow,
            current_scope(),
            kecamatan,
            body,
            source=args.get("source"),
            approximate=args["approximate"],
        )
        return boundary_result(kecamatan, views, body)


cli: AppGroup = blp.cli


@cli.command("import")
@click.argument("kecamatan")
@click.argument("geojson", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--source", help="Sumber batas, mis. 'BIG RBI 2023'.")
@click.option("--approximate", is_flag=True, help="Batas perkiraan, bukan batas resmi.")
def import_command(kecamatan: str, geojson: Path, source: str | None, approximate: bool) -> None:
    """Impor batas kelurahan satu kecamatan dari berkas GeoJSON (ekspor QGIS, WGS 84)."""
    try:
        body = strictjson.loads(geojson.read_text(encoding="utf-8"))
        with acting_as(Actor(None, "cli:kelurahan-import")):
            views = kelurahan.import_boundaries(
                k3().uow,
                Scope.everything(),
                kecamatan,
                body,
                source=source,
                approximate=approximate,
            )
    except DomainError as exc:
        details = "".join(f"\n  - {'/'.join(map(str, e.path))}: {e.message}" for e in exc.errors)
        raise click.ClickException(exc.message + details) from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"Berkas bukan JSON yang valid: {exc}") from exc
    out = _result(kecamatan, views, len(body["features"]))
    out["kelurahan"] = [vars(v) for v in views]
    click.echo(json.dumps(out, ensure_ascii=False))
