"""The evidence chain's use cases: sealing, verifying, daily roots, the head for export
footers, and the entries an evidence packet lists.

Writers never wait on each other: the write hook (`k3zones.audit`) inserts unsealed
entries (payload hash only) in the writer's own transaction. `seal` takes the unsealed
entries in id order under one advisory lock and gives each the next position and an entry
hash that covers the previous entry's hash. Beat seals every minute; `verify` and the
export footer seal first.

`verify` walks the chain in batches (each statement is small, so the request's statement
limit holds at any size) and recomputes every chained entity's current content: the first
entry, by position, that no longer matches is named: a changed or missing chain row, or an
entity (report, photo, review...) whose row was changed or deleted outside the app.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Table, bindparam, func, select, tuple_
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.orm import Session, sessionmaker

from k3zones import chain
from k3zones.db import snapshot
from k3zones.enums import Role
from k3zones.errors import Forbidden
from k3zones.models import (
    AuditLog,
    ChainEntry,
    IndicatorSnapshot,
    Outbox,
    Photo,
    Report,
    ReportVersion,
    ZoneStatus,
    ZoneStatusChange,
)
from k3zones.outbox import enqueue
from k3zones.periods import WIB, day_after, now_utc, today_wib
from k3zones.principal import Principal

# pg_advisory_xact_lock key of the sealer ("k3chain").
SEAL_LOCK = 0x6B33636861696E
BATCH = 1000
ROOT_ACTION = "chain_root"
VERIFY_ACTION = "chain_verify"
VERIFY_TASK = "workers.tasks.verify_chain"
VERIFY_DEDUP = "chain:verify"
VERIFIERS = (Role.ADMIN, Role.KOTA, Role.ADMIN_KOTA)

MODELS: dict[str, Any] = {
    "report": Report,
    "report_version": ReportVersion,
    "photo": Photo,
    "zone_status_change": ZoneStatusChange,
    "zone_status": ZoneStatus,
    "indicator_snapshot": IndicatorSnapshot,
}


@dataclass(frozen=True)
class Head:
    position: int
    root: str
    at: datetime


@dataclass(frozen=True)
class Verdict:
    ok: bool
    entries: int
    sealed_to: int
    first_mismatch: chain.Mismatch | None
    root: str | None
    # kecamatan of the named entity, if known (for redaction by the caller's scope)
    mismatch_kecamatan_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        m = self.first_mismatch
        return {
            "ok": self.ok,
            "entries": self.entries,
            "sealed_to": self.sealed_to,
            "first_mismatch": None
            if m is None
            else {"position": m.position, "kind": m.kind, "ref": m.ref, "reason": m.reason},
            "root": self.root,
        }


# --- sealing ---------------------------------------------------------------------------


def _table() -> Table:
    return ChainEntry.__table__  # type: ignore[return-value]


def _head(s: Session) -> Head | None:
    row = s.execute(
        select(ChainEntry.position, ChainEntry.entry_hash, ChainEntry.at)
        .where(ChainEntry.position.is_not(None))
        .order_by(ChainEntry.position.desc())
        .limit(1)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return Head(row[0], row[1], row[2])


def seal(uow: sessionmaker[Session], batch: int = BATCH) -> int:
    """Seal every committed unsealed entry (one transaction per batch). Returns how many."""
    done = 0
    t = _table()
    fill = (
        t.update()
        .where(t.c.id == bindparam("b_id"))
        .values(
            position=bindparam("b_position"),
            prev_hash=bindparam("b_prev"),
            entry_hash=bindparam("b_hash"),
            sealed_at=bindparam("b_sealed"),
        )
    )
    while True:
        with uow() as s, s.begin():
            s.execute(select(func.pg_advisory_xact_lock(SEAL_LOCK)))
            rows = s.execute(
                select(
                    ChainEntry.id,
                    ChainEntry.kind,
                    ChainEntry.ref,
                    ChainEntry.kecamatan_id,
                    ChainEntry.payload_hash,
                    ChainEntry.at,
                )
                .where(ChainEntry.position.is_(None))
                .order_by(ChainEntry.id)
                .limit(batch)
            ).all()
            if not rows:
                return done
            head = _head(s)
            prev, position = (head.root, head.position) if head else (chain.GENESIS, 0)
            sealed_at = now_utc()
            params = []
            for r in rows:
                position += 1
                h = chain.entry_hash(
                    prev, position, r.kind, r.ref, r.kecamatan_id, r.payload_hash, r.at
                )
                params.append(
                    {
                        "b_id": r.id,
                        "b_position": position,
                        "b_prev": prev,
                        "b_hash": h,
                        "b_sealed": sealed_at,
                    }
                )
                prev = h
            s.connection().execute(fill, params)
            done += len(rows)
            if len(rows) < batch:
                return done


def head(uow: sessionmaker[Session]) -> Head | None:
    """The chain's last sealed entry after sealing what is waiting: its hash is the root."""
    seal(uow)
    with uow() as s:
        return _head(s)


def footer_line(uow: sessionmaker[Session]) -> str:
    """The sentence the LKIP export footers carry."""
    h = head(uow)
    if h is None:
        return " Rantai bukti: belum ada entri."
    return (
        f" Akar rantai bukti: {h.root} (entri ke-{h.position}, "
        f"{h.at.astimezone(WIB):%d-%m-%Y %H:%M} WIB)."
    )


# --- verifying -------------------------------------------------------------------------


def _sealed(s: Session, batch: int) -> Iterator[list[chain.Sealed]]:
    last = 0
    while True:
        rows = s.execute(
            select(
                ChainEntry.position,
                ChainEntry.kind,
                ChainEntry.ref,
                ChainEntry.kecamatan_id,
                ChainEntry.payload_hash,
                ChainEntry.at,
                ChainEntry.prev_hash,
                ChainEntry.entry_hash,
            )
            .where(ChainEntry.position > last)
            .order_by(ChainEntry.position)
            .limit(batch)
        ).all()
        if not rows:
            return
        yield [
            chain.Sealed(
                position=r.position,
                kind=r.kind,
                ref=r.ref,
                kecamatan_id=r.kecamatan_id,
                payload_hash=r.payload_hash,
                at=r.at,
                prev_hash=r.prev_hash,
                entry_hash=r.entry_hash or "",
            )
            for r in rows
        ]
        last = rows[-1].position


def _rows(s: Session, spec: chain.Spec, batch: int) -> Iterator[list[Any]]:
    """Every row of a chained table (the spec's fields, its key and kecamatan, as plain
    rows: no ORM objects), in primary-key order, batch by batch."""
    table = MODELS[spec.table].__table__
    pk = list(table.primary_key.columns)
    extra = ["kecamatan_id"] if "kecamatan_id" in table.c else []
    names = list(dict.fromkeys([*(c.key for c in pk), *spec.fields, *extra]))
    cols = [table.c[n] for n in names]
    last: tuple[Any, ...] | None = None
    while True:
        q = select(*cols).order_by(*pk).limit(batch)
        if last is not None:
            q = q.where(tuple_(*pk) > tuple_(*last))
        rows = list(s.execute(q).all())
        if not rows:
            return
        yield rows
        last = tuple(getattr(rows[-1], c.key) for c in pk)


def _latest(s: Session, kind: str, refs: list[str] | None) -> dict[str, tuple[str, int | None]]:
    """The latest entry (payload hash, position) of each ref of a kind."""
    q = (
        select(ChainEntry.ref, ChainEntry.payload_hash, ChainEntry.position)
        .where(ChainEntry.kind == kind)
        .order_by(ChainEntry.ref, ChainEntry.id.desc())
        .ext(distinct_on(ChainEntry.ref))
    )
    if refs is not None:
        q = q.where(ChainEntry.ref.in_(refs))
    return {r.ref: (r.payload_hash, r.position) for r in s.execute(q)}


def _earlier(
    a: tuple[chain.Mismatch, int | None] | None, b: chain.Mismatch, kec: int | None
) -> tuple[chain.Mismatch, int | None]:
    """The mismatch that comes first in the chain (one without a position comes last)."""
    if a is None:
        return (b, kec)
    pa = a[0].position if a[0].position is not None else 1 << 62
    pb = b.position if b.position is not None else 1 << 62
    return a if pa <= pb else (b, kec)


def _check_entities(s: Session, batch: int) -> tuple[chain.Mismatch, int | None] | None:
    first: tuple[chain.Mismatch, int | None] | None = None
    for spec in chain.SPECS:
        scales = chain.scales_of(MODELS[spec.table])
        label = chain.KIND_LABELS[spec.kind]
        seen: set[str] = set()
        for objs in _rows(s, spec, batch):
            refs = [spec.ref(o) for o in objs]
            latest = _latest(s, spec.kind.value, refs)
            for o, ref in zip(objs, refs, strict=True):
                seen.add(ref)
                kec = getattr(o, "kecamatan_id", None)
                got = latest.get(ref)
                if got is None:
                    if spec.needs_entry(o):
                        why = f"{label} tanpa entri di rantai (ditambahkan di luar aplikasi)"
                        first = _earlier(
                            first, chain.Mismatch(None, spec.kind.value, ref, why), kec
                        )
                    continue
                payload, position = got
                if payload == chain.TOMBSTONE:
                    if not spec.needs_entry(o):
                        continue  # made again, in a state that needs no entry
                    why = f"{label} sudah dihapus menurut rantai tetapi ada lagi"
                    first = _earlier(
                        first, chain.Mismatch(position, spec.kind.value, ref, why), kec
                    )
                elif chain.content_hash(spec, o, scales) != payload:
                    why = f"isi {label} tidak cocok dengan entri terakhirnya (diubah di luar)"
                    first = _earlier(
                        first, chain.Mismatch(position, spec.kind.value, ref, why), kec
                    )
        # Entities the chain knows but the table no longer has: deleted outside the app.
        for ref, (payload, position) in _latest(s, spec.kind.value, None).items():
            if ref not in seen and payload != chain.TOMBSTONE:
                why = f"{label} hilang dari basis data (dihapus di luar aplikasi)"
                first = _earlier(first, chain.Mismatch(position, spec.kind.value, ref, why), None)
    return first


def verify_all(uow: sessionmaker[Session], batch: int = BATCH) -> Verdict:
    """Walk the whole chain and every chained entity; name the first entry that no longer
    matches. One consistent snapshot (REPEATABLE READ) after sealing what was waiting."""
    seal(uow, batch)
    with snapshot(uow) as s:
        walker = chain.Walker()
        broken: chain.Mismatch | None = None
        for entries in _sealed(s, batch):
            broken = walker.feed(entries)
            if broken is not None:
                break
        first = _check_entities(s, batch)
        if broken is not None:
            first = _earlier(first, broken, None)
        h = _head(s)
        total = s.scalar(select(func.count()).select_from(ChainEntry)) or 0
    mismatch, kec = first if first is not None else (None, None)
    return Verdict(
        ok=mismatch is None,
        entries=int(total),
        sealed_to=h.position if h else 0,
        first_mismatch=mismatch,
        root=h.root if h else None,
        mismatch_kecamatan_id=kec,
    )


# A full verification reads every chained row: minutes for a city's years of reports,
# longer than a web request may hold a worker and its statements. The API therefore queues
# it (the worker has the long statement limit) and answers the latest verdict; the CLI
# (`flask chain verify`) runs it inline; beat runs it every night.


def _check_verifier(caller: Principal) -> None:
    if caller.role not in VERIFIERS:
        raise Forbidden("Hanya admin atau kota yang dapat memeriksa rantai bukti.")


def request_verification(uow: sessionmaker[Session], caller: Principal) -> dict[str, Any]:
    """Queue a full verification (coalesced: one waiting at a time); the latest verdict."""
    _check_verifier(caller)
    with uow() as s, s.begin():
        enqueue(s, VERIFY_TASK, {}, dedup_key=VERIFY_DEDUP)
    return latest_verdict(uow, caller)


def _system_row(position: int | None, action: str, changes: dict[str, Any]) -> AuditLog:
    """An audit row about the chain written by the system (a verdict, a daily root)."""
    return AuditLog(
        kecamatan_id=None,
        actor_id=None,
        actor="sistem",
        entity="chain_entry",
        entity_id=str(position),
        action=action,
        changes=changes,
    )


def run_verification(uow: sessionmaker[Session], batch: int = BATCH) -> Verdict:
    """The worker's (and beat's) verification: its verdict is kept in the audit log."""
    v = verify_all(uow, batch)
    with uow() as s, s.begin():
        s.add(
            _system_row(
                v.sealed_to,
                VERIFY_ACTION,
                {**v.as_dict(), "mismatch_kecamatan_id": v.mismatch_kecamatan_id},
            )
        )
    return v


def latest_verdict(uow: sessionmaker[Session], caller: Principal) -> dict[str, Any]:
    """The last verification's verdict (none yet: ok is null), whether one is waiting,
    and the chain as it is now. A mismatch in another kecamatan is named without its id
    (the chain is one for the whole city)."""
    _check_verifier(caller)
    seal(uow)
    with uow() as s:
        row = s.execute(
            select(AuditLog.at, AuditLog.changes)
            .where(AuditLog.action == VERIFY_ACTION)
            .order_by(AuditLog.id.desc())
            .limit(1)
        ).first()
        pending = s.scalar(
            select(func.count())
            .select_from(Outbox)
            .where(Outbox.dedup_key == VERIFY_DEDUP, Outbox.dispatched_at.is_(None))
        )
        h = _head(s)
        total = s.scalar(select(func.count()).select_from(ChainEntry)) or 0
    out: dict[str, Any] = {
        "ok": None,
        "entries": int(total),
        "sealed_to": h.position if h else 0,
        "first_mismatch": None,
        "root": h.root if h else None,
        "checked_at": None,
        "checked": None,
        "pending": bool(pending),
    }
    if row is not None:
        verdict = dict(row.changes)
        m = verdict.get("first_mismatch")
        kec = verdict.get("mismatch_kecamatan_id")
        if m is not None and kec is not None and not caller.scope.allows(kec):
            m = {**m, "ref": "-", "reason": f"{m['reason']} (di kecamatan lain)"}
        out |= {
            "ok": verdict["ok"],
            "first_mismatch": m,
            "checked_at": row.at,
            "checked": {
                "entries": verdict["entries"],
                "sealed_to": verdict["sealed_to"],
                "root": verdict["root"],
            },
        }
    return out


# --- daily roots -----------------------------------------------------------------------


def _root_at(s: Session, before: datetime) -> Head | None:
    row = s.execute(
        select(ChainEntry.position, ChainEntry.entry_hash, ChainEntry.at)
        .where(ChainEntry.position.is_not(None), ChainEntry.sealed_at < before)
        .order_by(ChainEntry.position.desc())
        .limit(1)
    ).first()
    if row is None or row[0] is None or row[1] is None:
        return None
    return Head(row[0], row[1], row[2])


def record_daily_roots(uow: sessionmaker[Session], today: date | None = None, days: int = 7) -> int:
    """Record in the audit log (action `chain_root`) the root of each finished WIB day of
    the last `days` not recorded yet: the hash of the last entry sealed that day. Beat runs
    it after midnight; a repeat records nothing new. Returns how many were recorded."""
    seal(uow)
    today = today or today_wib()
    recorded = 0
    with uow() as s, s.begin():
        s.execute(select(func.pg_advisory_xact_lock(SEAL_LOCK)))
        known = set(
            s.scalars(select(AuditLog.changes["day"].astext).where(AuditLog.action == ROOT_ACTION))
        )
        for back in range(days, 0, -1):
            d = today - timedelta(days=back)
            if d.isoformat() in known:
                continue
            h = _root_at(s, day_after(d))
            if h is None:
                continue
            s.add(
                _system_row(
                    h.position,
                    ROOT_ACTION,
                    {"day": d.isoformat(), "position": h.position, "root": h.root},
                )
            )
            recorded += 1
    return recorded


def daily_roots(s: Session, limit: int = 30) -> list[dict[str, Any]]:
    rows = s.scalars(
        select(AuditLog.changes)
        .where(AuditLog.action == ROOT_ACTION)
        .order_by(AuditLog.id.desc())
        .limit(limit)
    )
    return [dict(r) for r in rows]


# --- backfill and packet helpers -------------------------------------------------------


def backfill(uow: sessionmaker[Session], batch: int = BATCH) -> int:
    """Add a first entry for every chained entity that has none (data written before the
    chain existed). Run once after upgrading; afterwards `verify` names any such entity as
    added outside the app. Returns how many entries were added."""
    added = 0
    for spec in chain.SPECS:
        scales = chain.scales_of(MODELS[spec.table])
        with uow() as s, s.begin():
            rows: list[dict[str, Any]] = []
            for objs in _rows(s, spec, batch):
                refs = [spec.ref(o) for o in objs]
                latest = _latest(s, spec.kind.value, refs)
                for o, ref in zip(objs, refs, strict=True):
                    if ref not in latest and spec.needs_entry(o):
                        rows.append(
                            {
                                "kecamatan_id": getattr(o, "kecamatan_id", None),
                                "kind": spec.kind.value,
                                "ref": ref,
                                "payload_hash": chain.content_hash(spec, o, scales),
                            }
                        )
            if rows:
                s.connection().execute(_table().insert(), rows)
            added += len(rows)
    seal(uow, batch)
    return added


def entries_of(s: Session, refs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """Every entry (sealed or not yet) of the given (kind, ref) pairs, in chain order."""
    if not refs:
        return []
    rows = s.execute(
        select(ChainEntry)
        .where(tuple_(ChainEntry.kind, ChainEntry.ref).in_(refs))
        .order_by(ChainEntry.position.nulls_last(), ChainEntry.id)
    ).scalars()
    return [
        {
            "position": e.position,
            "kind": e.kind,
            "ref": e.ref,
            "payload_hash": e.payload_hash,
            "at": e.at,
            "prev_hash": e.prev_hash,
            "entry_hash": e.entry_hash,
        }
        for e in rows
    ]
