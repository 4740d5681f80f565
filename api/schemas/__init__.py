"""Marshmallow schemas, one module per resource; import from the module that owns one
(`from api.schemas.zones import ZoneQueryArgsSchema`). Shared pieces live in `common`.

Vocabularies come from `k3zones.enums`: a value added there is accepted and documented
here without another list to keep in step. Validation messages are Bahasa Indonesia."""
