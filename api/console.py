"""The Seksi Trantib map console: one page, served by the same app, talking to /api/v1.

Leaflet and its marker-cluster plugin come from the npm registry (console/package.json,
installed by scripts/bootstrap.sh and the Dockerfile) and are served from here: no CDN.
"""

from __future__ import annotations

import os
from pathlib import Path

from flask import Blueprint, Response, abort, current_app, render_template, send_from_directory

from api.context import k3

blp = Blueprint("console", __name__, url_prefix="/console", static_folder="static/console")

VENDOR = {
    "leaflet": "leaflet/dist",
    "markercluster": "leaflet.markercluster/dist",
}


def vendor_root() -> Path:
    return Path(
        os.environ.get("K3_CONSOLE_VENDOR_DIR")
        or Path(__file__).resolve().parent.parent / "console" / "node_modules"
    )


@blp.get("")
@blp.get("/")
def page() -> str:
    """The console (sign-in happens inside the page, with the API's own tokens)."""
    s = k3().settings
    config = {"tileUrl": s.tile_url, "tileAttribution": s.tile_attribution}
    # Passed as JSON data (tojson escapes <, >, & and '), never as executable script.
    return render_template("console.html", config=config)


@blp.get("/vendor/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Response:
    if package not in VENDOR:
        abort(404)
    root = vendor_root() / VENDOR[package]
    if not root.is_dir():
        current_app.logger.error("console packages missing in %s: run npm ci in console/", root)
        abort(404)
    return send_from_directory(root, filename, max_age=86400)
