"""Patrol plans (jadwal patroli), tasks, the officer's tasks of the day, and coverage."""

from __future__ import annotations

import uuid
from dataclasses import asdict
from typing import Any

from flask import request, url_for
from flask.views import MethodView
from werkzeug.wrappers import Response

from api.context import k3, kecamatan_or_own, principal
from api.parser import Blueprint
from api.schemas.plans import (
    AdhocSchema,
    CoverageArgs,
    CoverageSchema,
    MyTasksArgs,
    MyTasksSchema,
    PlanInSchema,
    PlanListArgs,
    PlanSchema,
    ReasonSchema,
    TaskSchema,
)
from k3zones.enums import ReportType
from k3zones.services import indicator
from k3zones.services import plans as svc

blp = Blueprint(
    "plans",
    __name__,
    url_prefix="/api/v1",
    description="Jadwal patroli: rencana, tugas harian, dan cakupan",
)


def _plan_input(data: dict[str, Any]) -> svc.PlanInput:
    return svc.PlanInput(
        name=data["name"],
        rrule=data["rrule"],
        activity=ReportType(data["activity"]),
        team_id=data["team_id"],
        target=data["target"],
        window_start=data["window_start"],
        window_end=data["window_end"],
        units=data.get("units"),
        span_days=data["span_days"],
        late_minutes=data["late_minutes"],
        valid_from=data.get("valid_from"),
        active=data["active"],
        note=data.get("note"),
    )


@blp.route("/plans")
class Plans(MethodView):
    @blp.arguments(PlanListArgs, location="query")
    @blp.response(200, PlanSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Daftar jadwal dengan riwayat versinya"""
        return svc.list_plans(k3().uow, principal().scope, args.get("kecamatan"))

    @blp.arguments(PlanInSchema)
    @blp.response(201, PlanSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Membuat jadwal (Seksi Trantib/admin). Tim dan sasaran harus ada di kecamatan
        Anda (404 bila tidak); valid_from hari ini atau nanti; RRULE dibatasi (lihat
        skema). Tugas hari ini langsung dibuat."""
        view = svc.create_plan(k3().uow, principal(), _plan_input(data))
        return view, 201, {"Location": url_for("plans.Plan", plan_id=view.id)}


@blp.route("/plans/<uuid:plan_id>")
class Plan(MethodView):
    @blp.response(200, PlanSchema)
    def get(self, plan_id: uuid.UUID) -> Any:
        """Satu jadwal dengan semua versinya"""
        return svc.get_plan(k3().uow, principal().scope, plan_id)

    @blp.arguments(PlanInSchema)
    @blp.response(200, PlanSchema)
    def put(self, data: dict[str, Any], plan_id: uuid.UUID) -> Any:
        """Versi baru jadwal, berlaku mulai valid_from (hari ini atau nanti); hari
        sebelumnya tetap. active=false menghentikan jadwal mulai tanggal itu."""
        return svc.change_plan(k3().uow, principal(), plan_id, _plan_input(data))


@blp.route("/tasks")
class Tasks(MethodView):
    @blp.arguments(AdhocSchema)
    @blp.response(201, TaskSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Tugas di luar jadwal (perintah pimpinan, tindak lanjut pengaduan). Zona dan tim
        harus ada di kecamatan Anda (404 bila tidak)."""
        view = svc.create_adhoc(
            k3().uow,
            principal(),
            svc.AdhocInput(
                zone_id=data["zone_id"],
                team_id=data["team_id"],
                activity=ReportType(data["activity"]),
                day=data["date"],
                window_start=data["window_start"],
                window_end=data["window_end"],
                units=data.get("units"),
                late_minutes=data["late_minutes"],
                note=data.get("note"),
            ),
        )
        return asdict(view), 201


@blp.route("/tasks/<uuid:task_id>/reason")
class TaskReason(MethodView):
    @blp.arguments(ReasonSchema)
    @blp.response(200, TaskSchema)
    def post(self, data: dict[str, Any], task_id: uuid.UUID) -> Any:
        """Alasan tugas terlewat/terlambat (anggota tim atau Seksi Trantib); 409 bila
        tugas belum terlewat/terlambat"""
        return asdict(svc.set_reason(k3().uow, principal(), task_id, data["reason"]))


@blp.route("/me/tasks")
class MyTasks(MethodView):
    @blp.arguments(MyTasksArgs, location="query")
    @blp.response(200, MyTasksSchema)
    @blp.alt_response(304, description="Tidak berubah sejak ETag yang dikirim (If-None-Match)")
    def get(self, args: dict[str, Any]) -> Any:
        """Tugas tim-tim saya pada satu hari (WIB) dengan geometri zona dan yang
        diharapkan. Kirim If-None-Match dengan ETag terakhir: 304 bila tidak berubah."""
        mine = svc.my_tasks(k3().uow, principal(), args.get("date"))
        if request.if_none_match.contains(mine.etag):
            resp = Response(status=304)
            resp.set_etag(mine.etag)
            resp.headers["Cache-Control"] = "private, no-cache"
            return resp
        body = {"date": mine.date, "tasks": [asdict(t) for t in mine.tasks]}
        return body, 200, {"ETag": f'"{mine.etag}"', "Cache-Control": "private, no-cache"}


@blp.route("/coverage")
class Coverage(MethodView):
    @blp.arguments(CoverageArgs, location="query")
    @blp.response(200, CoverageSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Cakupan jadwal: direncanakan, selesai, terlambat, terlewat per zona/tim/
        kelurahan dan per hari/minggu/bulan; zona tanpa patroli N hari"""
        period = indicator.parse_period(args["year"], args.get("month"), args.get("quarter"))
        return svc.coverage(
            k3().uow,
            principal().scope,
            kecamatan_or_own(args.get("kecamatan")),
            period,
            args["group_by"],
            args["bucket"],
            args.get("stale_days"),
        )
