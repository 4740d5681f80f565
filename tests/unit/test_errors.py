"""Where an error points: RFC 6901 pointers a client (or QGIS user) can follow."""

from k3zones.errors import FieldError, InvalidInput, json_pointer


def test_pointers_escape_tilde_and_slash():
    assert json_pointer(()) == ""
    assert json_pointer(("findings", 0, "count")) == "/findings/0/count"
    assert json_pointer(("properties", "a/b~c")) == "/properties/a~1b~0c"


def test_an_imported_feature_is_named_by_its_index():
    e = FieldError(("features", 12, "properties", "nama"), "Nama zona wajib diisi.")
    assert e.as_dict() == {
        "pointer": "/features/12/properties/nama",
        "message": "Nama zona wajib diisi.",
        "feature_index": 12,
    }
    assert "feature_index" not in FieldError(("features",), "x").as_dict()


def test_a_domain_error_reads_as_its_message():
    err = InvalidInput("Data tidak valid.", [FieldError(("id",), "Bukan UUID yang valid.")])
    assert str(err) == "Data tidak valid." and err.errors[0].path == ("id",)
