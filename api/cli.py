"""`flask --app app ...` commands for operators and scripts."""

from __future__ import annotations

import getpass
import json
import os
import secrets
from pathlib import Path

import click
from flask import Flask

from api.context import k3
from k3zones.audit import Actor, acting_as
from k3zones.errors import DomainError
from k3zones.models import Role
from k3zones.periods import now_utc
from k3zones.scope import Scope
from k3zones.services import chain as chain_service
from k3zones.services import retention as retention_service
from k3zones.services import users as user_service
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
    @click.option("--name", "full_name", help="Nama lengkap (bawaan: USERNAME).")
    @click.option("--nip", help="NIP atau nomor badge.")
    @click.option("--phone", help="Nomor telepon.")
    def users_create(
        username: str,
        role: str,
        kecamatan: str | None,
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
