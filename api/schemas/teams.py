"""Field teams and their members."""

from __future__ import annotations

from marshmallow import fields

from api.schemas.common import K3Schema, one_of, text, values
from k3zones.enums import TeamKind, TeamUnit

# A 3-pilar team always has these units; Satpol PP and DLH may join them.
_PILLARS = [TeamUnit.KECAMATAN, TeamUnit.POLSEK, TeamUnit.KORAMIL]
_JOINING = [u for u in TeamUnit if u not in _PILLARS]


class MembershipSchema(K3Schema):
    id = fields.UUID()
    team_id = fields.UUID()
    team_name = fields.String()
    team_kind = fields.String()
    user_id = fields.UUID()
    username = fields.String()
    joined_on = fields.Date()
    left_on = fields.Date(allow_none=True)


class TeamSchema(K3Schema):
    id = fields.UUID(dump_only=True)
    kecamatan = fields.String(allow_none=True)
    name = text(200, required=True)
    kind = fields.String(required=True, validate=one_of(values(TeamKind)))
    units = fields.List(
        fields.String(validate=one_of(values(TeamUnit))),
        load_default=list,
        metadata={
            "description": f"Untuk {TeamKind.TIGA_PILAR.value}: {', '.join(values(_PILLARS))}"
            f" (boleh ditambah {', '.join(values(_JOINING))})"
        },
    )
    active = fields.Boolean(dump_only=True)
    is_sample = fields.Boolean(dump_only=True)
    members = fields.List(fields.Nested(MembershipSchema), dump_only=True)


class TeamUpdateSchema(K3Schema):
    name = text(200, filled=True)
    kind = fields.String(validate=one_of(values(TeamKind)))
    units = fields.List(fields.String(validate=one_of(values(TeamUnit))))
    active = fields.Boolean()


class TeamQueryArgsSchema(K3Schema):
    history = fields.Boolean(
        load_default=False, metadata={"description": "Sertakan anggota yang sudah keluar"}
    )


class MemberAddSchema(K3Schema):
    user_id = fields.UUID(required=True)
    joined_on = fields.Date(allow_none=True)


class MemberEndSchema(K3Schema):
    left_on = fields.Date(allow_none=True)
