"""The sample data loads idempotently; the migrations match the models and reverse."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from geoalchemy2 import alembic_helpers
from sqlalchemy import text

from k3zones.db import Base
from k3zones.services.sample import DEMO_USERS, load_sample
from tests.support.http import demo_password
from tests.support.services import alembic_config, count


def test_loading_the_sample_twice_changes_nothing(app, db):
    ctx = app.extensions["k3"]
    passwords = {u: demo_password(u) for u, _, _ in DEMO_USERS}
    first = load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords)
    # Medansatria and its neighbour Bekasi Utara (both DATA CONTOH), one kota.
    assert first.created == {
        "kecamatan": 2,
        "kelurahan": 4 + 6,
        "decree": 2,
        "zone": 10 + 4,
        "renstra_target": 3 + 3,
        "user": 7 + 3,
        "team": 2 + 1,
        "zone_history": 3,
    }
    with db.connect() as c:
        before = c.execute(text("SELECT id, name, updated_at FROM zone ORDER BY id")).all()
    second = load_sample(ctx.uow, dict(ctx.settings.default_radius_m), passwords)
    assert second.total == 0
    with db.connect() as c:
        assert c.execute(text("SELECT id, name, updated_at FROM zone ORDER BY id")).all() == before
    assert count(db, "zone") == 14 and count(db, "kelurahan") == 10 and count(db, "kota") == 1
    assert count(db, "app_user") == 10 and count(db, "team_membership") == 4
    assert count(db, "zone_status") == 14


def test_models_and_migrations_agree(engine):
    with engine.connect() as c:
        ctx = MigrationContext.configure(
            c, opts={"include_object": alembic_helpers.include_object, "compare_type": True}
        )
        assert compare_metadata(ctx, Base.metadata) == []


def test_downgrade_to_base_and_back(settings, engine):
    cfg = alembic_config(settings.database_url)
    command.downgrade(cfg, "base")
    with engine.connect() as c:
        assert c.execute(text("SELECT to_regclass('public.zone')")).scalar() is None
    command.upgrade(cfg, "head")
    with engine.connect() as c:
        assert c.execute(text("SELECT to_regclass('public.zone')")).scalar() is not None
