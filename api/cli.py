"""`flask --app app ...` commands for operators and scripts."""

from __future__ import annotations

import json

import click
from flask import Flask

from api.context import k3


def register_cli(app: Flask) -> None:
    @app.cli.group("sample")
    def sample() -> None:
        """Data contoh Kecamatan Medansatria."""

    @sample.command("load")
    def sample_load() -> None:
        """Memuat data contoh (idempoten: menjalankan dua kali tidak mengubah apa pun)."""
        from k3zones.sample import load_sample

        ctx = k3()
        result = load_sample(ctx.uow, dict(ctx.settings.default_radius_m))
        click.echo(json.dumps({"created": result.created}, ensure_ascii=False))
