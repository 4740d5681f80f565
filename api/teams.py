"""Teams (Satpol PP, 3 pilar, DLH, kelurahan, RT/RW) and membership over time."""

from __future__ import annotations

import uuid
from typing import Any

from flask import url_for
from flask.views import MethodView

from api.context import current_scope, k3, principal
from api.parser import Blueprint
from api.schemas.teams import (
    MemberAddSchema,
    MemberEndSchema,
    TeamQueryArgsSchema,
    TeamSchema,
    TeamUpdateSchema,
)
from k3zones.models import TeamKind
from k3zones.services import teams
from k3zones.services.teams import TeamChanges

blp = Blueprint("teams", __name__, url_prefix="/api/v1/teams", description="Tim lapangan")


@blp.route("")
class Teams(MethodView):
    @blp.response(200, TeamSchema(many=True))
    def get(self) -> Any:
        """Daftar tim dengan anggota saat ini"""
        return teams.list_teams(k3().uow, current_scope())

    @blp.arguments(TeamSchema)
    @blp.response(201, TeamSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Membuat tim"""
        view = teams.create_team(
            k3().uow,
            principal(),
            kecamatan=data.get("kecamatan"),
            name=data["name"],
            kind=TeamKind(data["kind"]),
            units=data["units"],
        )
        return view, 201, {"Location": url_for("teams.Team", team_id=view.id)}


@blp.route("/<uuid:team_id>")
class Team(MethodView):
    @blp.arguments(TeamQueryArgsSchema, location="query")
    @blp.response(200, TeamSchema)
    def get(self, args: dict[str, Any], team_id: uuid.UUID) -> Any:
        """Satu tim (history=true: termasuk anggota yang sudah keluar)"""
        return teams.get_team(k3().uow, current_scope(), team_id, args["history"])

    @blp.arguments(TeamUpdateSchema)
    @blp.response(200, TeamSchema)
    def patch(self, data: dict[str, Any], team_id: uuid.UUID) -> Any:
        """Mengubah tim"""
        kind = data.get("kind")
        ch = TeamChanges(
            name=data.get("name"),
            kind=TeamKind(kind) if kind else None,
            units=data.get("units"),
            active=data.get("active"),
            given=frozenset(data),
        )
        return teams.update_team(k3().uow, current_scope(), team_id, ch)


@blp.route("/<uuid:team_id>/members")
class TeamMembers(MethodView):
    @blp.arguments(MemberAddSchema)
    @blp.response(201, TeamSchema)
    def post(self, data: dict[str, Any], team_id: uuid.UUID) -> Any:
        """Menambah anggota (tanggal bergabung; bawaan hari ini WIB)"""
        return teams.add_member(
            k3().uow, current_scope(), team_id, data["user_id"], data.get("joined_on")
        )


@blp.route("/<uuid:team_id>/members/<uuid:membership_id>/end")
class TeamMemberEnd(MethodView):
    @blp.arguments(MemberEndSchema)
    @blp.response(200, TeamSchema)
    def post(self, data: dict[str, Any], team_id: uuid.UUID, membership_id: uuid.UUID) -> Any:
        """Anggota keluar dari tim (keanggotaan lama tetap tercatat)"""
        return teams.end_membership(
            k3().uow, current_scope(), team_id, membership_id, data.get("left_on")
        )
