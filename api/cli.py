"""`flask --app app ...` commands for operators and scripts."""

from __future__ import annotations

import getpass
import json
import os
import secrets
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import click
from flask import Flask

from api.context import k3
from k3zones import strictjson
from k3zones.audit import Actor, acting_as
from k3zones.errors import DomainError
from k3zones.models import Role
from k3zones.periods import now_utc
from k3zones.scope import Scope
from k3zones.services import chain as chain_service
from k3zones.services import onboarding
from k3zones.services import retention as retention_service
from k3zones.services import users as user_service
from k3zones.services.decrees import DecreeChanges
from k3zones.services.sample import DEMO_USERS, load_sample
from k3zones.services.users import UserChanges

ROLES = [r.value for r in Role]


def _cli_actor() -> Actor:
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "?"
    return Actor(None, f"cli:{who}")


def _new_password(prompt: str) -> str:
    """From K3_NEW_PASSWORD (scripts) or an interactive prompt, never from argv."""
    env = os.environ.get("K3_NEW_PASSWORD")
    if env:
        return env
    return str(click.prompt(prompt, hide_input=True, confirmation_prompt=True))


def _fail(exc: DomainError) -> None:
    details = "".join(f"\n  - {e.message}" for e in exc.errors)
    raise click.ClickException(exc.message + details)


def register_cli(app: Flask) -> None:
    @app.cli.group("sample")
    def sample() -> None:
        """Data contoh Kecamatan Medansatria."""

    @sample.command("load")
    @click.option(
        "--demo-users-file",
        type=click.Path(dir_okay=False, path_type=Path),
        help="Berkas JSON kata sandi akun demo; dibuat dengan kata sandi acak bila belum ada.",
    )
    def sample_load(demo_users_file: Path | None) -> None:
        """Memuat data contoh (idempoten: menjalankan dua kali tidak mengubah apa pun)."""
        passwords: dict[str, str] | None = None
        if demo_users_file is not None:
            if demo_users_file.exists():
                passwords = json.loads(demo_users_file.read_text())
            else:
                passwords = {u: secrets.token_urlsafe(12) for u, _, _ in DEMO_USERS}
                demo_users_file.parent.mkdir(parents=True, exist_ok=True)
                demo_users_file.touch(mode=0o600)
                demo_users_file.write_text(json.dumps(passwords, indent=2))
        ctx = k3()
        with acting_as(_cli_actor()):
            result = load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords)
        click.echo(json.dumps({"created": result.created}, ensure_ascii=False))

    @app.cli.group("chain")
    def chain() -> None:
        """Rantai bukti: memeriksa, menyegel, mengisi entri awal, akar harian."""

    @chain.command("verify")
    def chain_verify() -> None:
        """Memeriksa seluruh rantai dan isi tiap entitas (langsung, tanpa batas waktu
        permintaan web). Keluar dengan kode 1 bila ada yang tidak cocok."""
        with acting_as(_cli_actor()):
            verdict = chain_service.run_verification(k3().uow)
        click.echo(json.dumps(verdict.as_dict(), ensure_ascii=False))
        if not verdict.ok:
            raise SystemExit(1)

    @chain.command("seal")
    def chain_seal() -> None:
        """Menyegel entri yang menunggu (beat melakukannya tiap menit)."""
        click.echo(json.dumps({"sealed": chain_service.seal(k3().uow)}))

    @chain.command("backfill")
    def chain_backfill() -> None:
        """Sekali setelah pemutakhiran: entri pertama bagi data yang ada sebelum rantai."""
        with acting_as(_cli_actor()):
            click.echo(json.dumps({"added": chain_service.backfill(k3().uow)}))

    @chain.command("roots")
    def chain_roots() -> None:
        """Mencatat akar harian yang belum tercatat, lalu menampilkan yang terakhir."""
        ctx = k3()
        with acting_as(_cli_actor()):
            chain_service.record_daily_roots(ctx.uow)
        with ctx.uow() as s:
            for r in chain_service.daily_roots(s):
                click.echo(f"{r['day']}\t{r['position']}\t{r['root']}")

    @app.cli.group("retention")
    def retention_group() -> None:
        """Retensi data: menghapus yang sudah lewat masanya (tombstone tetap)."""

    @retention_group.command("run")
    @click.option("--dry-run", is_flag=True, help="Hanya daftar yang akan dihapus.")
    @click.option("--kecamatan", help="Hanya kecamatan ini (slug).")
    def retention_run(dry_run: bool, kecamatan: str | None) -> None:
        """Menghapus foto asli, turunan, kontak pelapor dan catatan akses yang lewat masa
        retensinya; satu baris JSON per butir, lalu ringkasan."""
        ctx = k3()
        scope = Scope.everything()
        if kecamatan:
            try:
                scope = Scope.of(retention_service.kecamatan_id(ctx.uow, kecamatan))
            except DomainError as exc:
                _fail(exc)
        with acting_as(_cli_actor()):
            result = retention_service.run(
                ctx.uow, ctx.storage, now_utc(), dry_run=dry_run, scope=scope
            )
        for item in result.items:
            click.echo(json.dumps(item.as_dict(), ensure_ascii=False))
        summary = {"dry_run": dry_run, "due": result.counts(), "deleted": result.done}
        click.echo(json.dumps(summary, ensure_ascii=False))

    @app.cli.group("users")
    def users() -> None:
        """Pengguna: membuat, daftar, menonaktifkan, mengatur ulang kata sandi."""

    @users.command("create")
    @click.argument("username")
    @click.option("--role", type=click.Choice(ROLES), required=True)
    @click.option("--kecamatan", help="Slug kecamatan (wajib kecuali peran kota).")
    @click.option(
        "--kota", help="Kode BPS kota untuk peran kota/admin_kota (bawaan: satu-satunya)."
    )
    @click.option("--name", "full_name", help="Nama lengkap (bawaan: USERNAME).")
    @click.option("--nip", help="NIP atau nomor badge.")
    @click.option("--phone", help="Nomor telepon.")
    def users_create(
        username: str,
        role: str,
        kecamatan: str | None,
        kota: str | None,
        full_name: str | None,
        nip: str | None,
        phone: str | None,
    ) -> None:
        """Membuat pengguna. Kata sandi dari K3_NEW_PASSWORD atau ditanyakan."""
        password = _new_password("Kata sandi")
        try:
            with acting_as(_cli_actor()):
                view = user_service.create_user(
                    k3().uow,
                    None,
                    username=username,
                    password=password,
                    full_name=full_name or username,
                    role=Role(role),
                    kecamatan=kecamatan,
                    nip=nip,
                    phone=phone,
                    kota=kota,
                )
        except DomainError as exc:
            _fail(exc)
            return
        click.echo(f"dibuat: {view.username} ({view.role}, {view.kecamatan or 'kota'})")

    @users.command("list")
    @click.option("--kecamatan", help="Hanya kecamatan ini.")
    def users_list(kecamatan: str | None) -> None:
        """Daftar pengguna."""
        try:
            rows = user_service.list_users(k3().uow, Scope.everything(), kecamatan=kecamatan)
        except DomainError as exc:
            _fail(exc)
            return
        for u in rows:
            state = "aktif" if u.active else "nonaktif"
            click.echo(f"{u.username}\t{u.role}\t{u.kecamatan or '-'}\t{state}\t{u.full_name}")

    def _by_name(username: str) -> user_service.UserView:
        try:
            return user_service.get_user_by_username(k3().uow, username)
        except DomainError as exc:
            _fail(exc)
            raise

    @users.command("deactivate")
    @click.argument("username")
    def users_deactivate(username: str) -> None:
        """Menonaktifkan pengguna; semua sesinya berakhir."""
        u = _by_name(username)
        with acting_as(_cli_actor()):
            user_service.update_user(
                k3().uow, None, u.id, UserChanges(active=False, given=frozenset({"active"}))
            )
        click.echo(f"dinonaktifkan: {u.username}")

    @users.command("reset-password")
    @click.argument("username")
    def users_reset_password(username: str) -> None:
        """Mengatur ulang kata sandi (K3_NEW_PASSWORD atau ditanyakan); sesi berakhir."""
        u = _by_name(username)
        password = _new_password("Kata sandi baru")
        try:
            with acting_as(_cli_actor()):
                user_service.update_user(
                    k3().uow,
                    None,
                    u.id,
                    UserChanges(password=password, given=frozenset({"password"})),
                )
        except DomainError as exc:
            _fail(exc)
            return
        click.echo(f"kata sandi diatur ulang: {u.username}")

    _register_kecamatan(app)


def _read_geojson(path: Path) -> Any:
    try:
        return strictjson.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise click.ClickException(f"{path.name}: bukan JSON yang valid: {exc}") from exc


def _geometry(obj: Any) -> Any:
    """The boundary file as QGIS writes it: a geometry, a Feature, or a FeatureCollection
    of one feature (the kecamatan's polygon)."""
    if isinstance(obj, dict) and obj.get("type") == "FeatureCollection":
        feats = obj.get("features")
        if not isinstance(feats, list) or len(feats) != 1:
            raise click.ClickException("Berkas batas harus berisi tepat satu fitur (kecamatan).")
        obj = feats[0]
    if isinstance(obj, dict) and obj.get("type") == "Feature":
        return obj.get("geometry")
    return obj


def _target(value: str) -> tuple[int, Decimal, str | None]:
    year, _, pct = value.partition("=")
    try:
        return int(year), Decimal(pct), None
    except (ValueError, ArithmeticError) as exc:
        raise click.BadParameter(f"{value!r}: tulis TAHUN=PERSEN, mis. 2025=30") from exc


def _echo_checklist(c: onboarding.Checklist) -> None:
    for item in c.items:
        click.echo(f"[{'x' if item.ok else ' '}] {item.label}: {item.detail}")
    click.echo(
        f"Kecamatan {c.name}: "
        + ("SIAP, petugas dapat melapor." if c.ready else "BELUM SIAP; lengkapi butir [ ].")
    )


def _register_kecamatan(app: Flask) -> None:
    @app.cli.group("kecamatan")
    def kecamatan() -> None:
        """Kecamatan: menambah kecamatan ke kota (onboarding) dan daftar periksanya."""

    @kecamatan.command("create")
    @click.argument("slug")
    @click.option("--name", required=True, help="Nama kecamatan, mis. 'Bekasi Utara'.")
    @click.option("--kota", help="Kode BPS kota, mis. 3275 (bawaan: satu-satunya kota).")
    @click.option("--kota-name", help="Nama kota, bila kode itu belum terdaftar.")
    @click.option("--provinsi", default="-", help="Provinsi kota yang baru didaftarkan.")
    @click.option(
        "--boundary",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        required=True,
        help="GeoJSON batas kecamatan (Polygon/MultiPolygon, WGS 84).",
    )
    @click.option(
        "--kelurahan",
        "kelurahan_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="GeoJSON FeatureCollection kelurahan (nama di properties).",
    )
    @click.option("--approximate", is_flag=True, help="Batas kelurahan perkiraan.")
    @click.option("--source", help="Sumber batas kelurahan, mis. 'BIG RBI 2023'.")
    @click.option("--target", "targets", multiple=True, help="Target Renstra TAHUN=PERSEN.")
    @click.option("--decree-nomor", help="Nomor SK pertama.")
    @click.option("--decree-tanggal", type=click.DateTime(["%Y-%m-%d"]), help="TTTT-BB-HH.")
    @click.option("--decree-perihal", help="Perihal SK.")
    @click.option(
        "--zones",
        "zones_file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="GeoJSON FeatureCollection zona SK itu (ekspor QGIS).",
    )
    @click.option("--admin", "admin_username", help="Nama pengguna admin pertama.")
    @click.option("--admin-name", help="Nama lengkap admin pertama.")
    def kecamatan_create(
        slug: str,
        name: str,
        kota: str | None,
        kota_name: str | None,
        provinsi: str,
        boundary: Path,
        kelurahan_file: Path | None,
        approximate: bool,
        source: str | None,
        targets: tuple[str, ...],
        decree_nomor: str | None,
        decree_tanggal: datetime | None,
        decree_perihal: str | None,
        zones_file: Path | None,
        admin_username: str | None,
        admin_name: str | None,
    ) -> None:
        """Menambah kecamatan dengan batasnya, lalu (bila diberikan) kelurahan, target,
        SK pertama beserta zonanya, dan admin pertama (kata sandi dari K3_NEW_PASSWORD
        atau ditanyakan). Menampilkan daftar periksa."""
        decree_parts = (decree_nomor, decree_tanggal, decree_perihal, zones_file)
        if any(decree_parts) and not all(decree_parts):
            raise click.UsageError(
                "SK pertama: isi --decree-nomor, --decree-tanggal, --decree-perihal dan --zones."
            )
        uow = k3().uow
        try:
            with acting_as(_cli_actor()):
                if kota and kota_name:
                    onboarding.ensure_kota(uow, kota, kota_name, provinsi)
                c = onboarding.create_kecamatan(
                    uow,
                    None,
                    slug=slug,
                    name=name,
                    boundary=_geometry(_read_geojson(boundary)),
                    kota=kota,
                )
                click.echo(f"dibuat: Kecamatan {c.name} ({c.kecamatan})")
                if kelurahan_file:
                    kel = onboarding.import_kelurahan(
                        uow,
                        None,
                        slug,
                        _read_geojson(kelurahan_file),
                        source=source,
                        approximate=approximate,
                    )
                    click.echo(f"kelurahan: {', '.join(k.name for k in kel)}")
                if targets:
                    onboarding.set_targets(uow, None, slug, [_target(t) for t in targets])
                    click.echo(f"target: {', '.join(targets)}")
                if decree_nomor and decree_tanggal and decree_perihal and zones_file:
                    d, zs = onboarding.import_first_decree(
                        uow,
                        None,
                        slug,
                        DecreeChanges(
                            nomor=decree_nomor,
                            tanggal=decree_tanggal.date(),
                            perihal=decree_perihal,
                        ),
                        _read_geojson(zones_file),
                        dict(k3().settings.default_radius_m),
                    )
                    click.echo(f"SK {d.nomor}: {len(zs)} zona")
                if admin_username:
                    password = _new_password(f"Kata sandi {admin_username}")
                    u = onboarding.create_first_admin(
                        uow,
                        None,
                        slug,
                        username=admin_username,
                        password=password,
                        full_name=admin_name or admin_username,
                    )
                    click.echo(f"admin: {u.username}")
                _echo_checklist(onboarding.checklist(uow, Scope.everything(), slug))
        except DomainError as exc:
            _fail(exc)

    @kecamatan.command("checklist")
    @click.argument("slug")
    def kecamatan_checklist(slug: str) -> None:
        """Yang belum ada sebelum petugas dapat melapor (keluar 1 bila belum siap)."""
        try:
            c = onboarding.checklist(k3().uow, Scope.everything(), slug)
        except DomainError as exc:
            _fail(exc)
            return
        _echo_checklist(c)
        if not c.ready:
            raise SystemExit(1)

    @kecamatan.command("list")
    def kecamatan_list() -> None:
        """Daftar kecamatan per kota, dengan butir yang belum lengkap."""
        for k in onboarding.list_kecamatan(k3().uow, Scope.everything()):
            missing = ", ".join(k.missing) or "lengkap"
            click.echo(f"{k.kota_kode}\t{k.kota}\t{k.slug}\t{k.name}\t{missing}")
