"""The city view (GET /api/v1/kota/ringkasan) and the city recap file (what the worker
builds for POST /api/v1/kota/rekap) on the bench city: 12 kecamatan x 50 zones, three years
of daily patrols (~650,000 reports), a third of the zones verified, with the month
snapshots beat would have taken. Medians over rounds; the SQL statements one call sends
are counted (a fixed number, not one set per kecamatan). `python -m bench city`."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event, func, select, text

from bench.__main__ import _fresh_database, city_schema, city_sql


def bench_city(rounds: int = 5) -> dict[str, float]:
    from api import create_app
    from k3zones.models import Report
    from k3zones.periods import Period
    from k3zones.scope import Scope
    from k3zones.services import city
    from k3zones.services import indicator as ind

    _fresh_database()
    app = create_app()
    ctx = app.extensions["k3"]
    t = time.perf_counter()
    with ctx.engine.begin() as c:
        c.execute(text("SET LOCAL statement_timeout = 0"))  # the load takes a while
        c.execute(text(city_sql(city_schema(c))))
    with ctx.uow() as s:
        n = s.scalar(select(func.count()).select_from(Report))
    print(f"kota: bench city loaded ({n} reports) in {time.perf_counter() - t:.1f} s")
    # What beat leaves behind: the month snapshots of every kecamatan (here the four
    # triwulan-end months of 2025, which the triwulan trend reads).
    t = time.perf_counter()
    for slug in ind.all_slugs(ctx.uow, Scope.everything()):
        for m in (3, 6, 9, 12):
            ind.create_snapshot(ctx.uow, Scope.everything(), slug, Period("month", 2025, m))
    print(f"kota: 48 month snapshots taken in {time.perf_counter() - t:.1f} s")
    statements = [0]

    def count(*_: Any) -> None:
        statements[0] += 1

    event.listen(ctx.engine, "before_cursor_execute", count)
    out: dict[str, float] = {}
    cases: dict[str, Callable[[], object]] = {
        "year_trend_triwulan": lambda: city.city_view(
            ctx.uow, Scope.everything(), Period("year", 2025), "langsung", "triwulan"
        ),
        "month_trend_bulan": lambda: city.city_view(
            ctx.uow, Scope.everything(), Period("month", 2025, 12), "langsung", "bulan"
        ),
        "recap_xlsx": lambda: city.recap_file(
            ctx.uow, Scope.everything(), Period("year", 2025), "xlsx"
        ),
    }
    for name, fn in cases.items():
        runs = []
        for _ in range(rounds):
            statements[0] = 0
            t = time.perf_counter()
            result = fn()
            runs.append(time.perf_counter() - t)
        if isinstance(result, city.CityView):
            assert len(result.items) == 12, result
        med = statistics.median(runs) * 1000
        out[f"city_{name}_ms"] = med
        out[f"city_{name}_statements"] = float(statements[0])
        print(
            f"kota: {name}: median {med:.0f} ms, max {max(runs) * 1000:.0f} ms over {rounds} "
            f"rounds, {statements[0]} SQL statements per call (12 kecamatan)"
        )
    event.remove(ctx.engine, "before_cursor_execute", count)
    return out
