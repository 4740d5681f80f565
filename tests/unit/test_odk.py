"""ODK Collect's side, pure part: a submission read into the body the JSON API takes, and
the OpenRosa documents Collect reads. The report rules then judge both paths alike."""

from __future__ import annotations

import csv
import functools
import hashlib
import io
import uuid
import xml.etree.ElementTree as ET
from decimal import Decimal
from xml.sax.saxutils import escape

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k3zones.enums import ReportType
from k3zones.odk import (
    BuiltForm,
    SubmissionError,
    form_list,
    manifest,
    openrosa_message,
    parse_submission,
    zones_csv,
)
from k3zones.reports import parse_report
from tests.support.cases import check_all
from tests.support.payloads import odk_instance

IID = "6f1c2d3e-4b5a-4c6d-8e7f-9a0b1c2d3e4f"
ZONE = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
ORX = "http://openrosa.org/xforms"


def collect_xml(form: str = "k3-patroli", body: str = "", root_attrs: str = "") -> bytes:
    """An instance as ODK Collect serialises it: the namespaces of the form on the root,
    the meta block last."""
    return (
        "<?xml version='1.0' ?>"
        f'<data xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="{ORX}" '
        f'id="{form}" version="2026112801"{root_attrs}>'
        "<start>2024-05-02T06:00:00.000+07:00</start><end>2024-05-02T06:40:00.000+07:00</end>"
        f"<zone>{ZONE}</zone><location>-6.2072 106.979 0.0 4.0</location>{body}"
        f"<meta><instanceID>uuid:{IID}</instanceID><instanceName>Patroli pagi</instanceName>"
        "</meta></data>"
    ).encode()


def test_a_penertiban_from_collect_becomes_the_body_the_json_api_takes():
    body, photos = parse_submission(odk_instance(IID, zone=ZONE, photos=2))
    assert body == {
        "id": IID,
        "type": "penertiban",
        "started_at": "2024-05-02T08:15:00.000+07:00",
        "ended_at": "2024-05-02T09:05:00.000+07:00",
        "zone_id": ZONE,
        "units": ["kecamatan", "polsek", "koramil"],
        # A geopoint is "lat lon altitude accuracy"; GeoJSON is lon first.
        "location": {"type": "Point", "coordinates": [106.979, -6.2072]},
        "accuracy_m": 6.5,
        "findings": [{"kind": "pkl", "count": 3, "notes": "trotoar"}],
        "actions": [{"kind": "teguran_lisan", "count": 3}],
        "notes": "Operasi gabungan",
        "photos_expected": 2,
    }
    assert photos == ["IMG_1.jpg", "IMG_2.jpg"]


def test_the_report_rules_accept_it_as_they_would_from_the_app():
    body, _ = parse_submission(odk_instance(IID, zone=ZONE, photos=1))
    r, errors = parse_report(body)
    assert errors == []
    assert r.id == uuid.UUID(IID) and r.type is ReportType.PENERTIBAN
    assert r.zone_id == uuid.UUID(ZONE) and r.units == ["kecamatan", "koramil", "polsek"]
    assert (r.location.x, r.location.y) == (106.979, -6.2072)
    assert r.accuracy_m == Decimal("6.5") and r.started_offset_min == 420
    assert r.violation_total == 3 and r.photos_expected == 1


def test_a_patrol_without_findings_or_zone():
    xml = collect_xml().replace(f"<zone>{ZONE}</zone>".encode(), b"<zone/>")
    body, photos = parse_submission(xml)
    assert body["type"] == "patroli" and "zone_id" not in body
    assert "findings" not in body and "actions" not in body and "notes" not in body
    assert body["photos_expected"] == 0 and photos == []
    r, errors = parse_report(body)
    assert errors == [] and r.zone_id is None and r.violation_total == 0


@pytest.mark.parametrize(
    "root_attrs, meta",
    [
        # The XForms namespace as the default one on the instance root.
        (' xmlns="http://www.w3.org/2002/xforms"', "meta"),
        # Older forms put meta in the OpenRosa namespace.
        ("", "orx:meta"),
    ],
)
def test_namespaced_instances_are_read_alike(root_attrs, meta):
    xml = collect_xml(root_attrs=root_attrs).decode()
    xml = xml.replace("<meta>", f"<{meta}>").replace("</meta>", f"</{meta}>")
    if meta == "orx:meta":
        xml = xml.replace("instanceID>", "orx:instanceID>")
    body, _ = parse_submission(xml.encode())
    assert body["id"] == IID and body["zone_id"] == ZONE
    assert body["location"] == {"type": "Point", "coordinates": [106.979, -6.2072]}


@pytest.mark.parametrize(
    "geopoint, accuracy",
    [("-6.2072 106.979 0.0 4.0", 4.0), ("-6.2072 106.979 12.5", None), ("-6.2072 106.979", None)],
)
def test_accuracy_is_the_fourth_part_of_the_geopoint(geopoint, accuracy):
    xml = collect_xml().replace(b"-6.2072 106.979 0.0 4.0", geopoint.encode())
    body, _ = parse_submission(xml)
    assert body["location"]["coordinates"] == [106.979, -6.2072]
    assert body.get("accuracy_m") == accuracy


def test_a_submission_without_gps_is_judged_by_the_report_rules():
    body, _ = parse_submission(collect_xml().replace(b"-6.2072 106.979 0.0 4.0", b""))
    assert "location" not in body
    assert {e.path: e.message for e in parse_report(body)[1]} == {
        ("location",): "Geometri wajib diisi."
    }


def test_a_count_that_is_not_a_number_gets_the_same_message_as_from_the_app():
    rows = (
        "<temuan><kind>pkl</kind><count>tiga</count><catatan/></temuan>"
        "<temuan><kind>sampah</kind><count>-1</count><catatan/></temuan>"
    )
    body, _ = parse_submission(collect_xml(body=rows))
    assert body["findings"] == [{"kind": "pkl", "count": "tiga"}, {"kind": "sampah", "count": -1}]
    assert {e.as_dict()["pointer"]: e.message for e in parse_report(body)[1]} == {
        "/findings/0/count": "Jumlah harus bilangan bulat.",
        "/findings/1/count": "Jumlah tidak boleh kurang dari nol.",
    }


@pytest.mark.parametrize(
    "xml, message",
    [
        (
            b"<data id='k3-patroli'><broken",
            "Berkas XML kiriman rusak; kirim ulang dari ODK Collect.",
        ),
        (b"", "Berkas XML kiriman rusak; kirim ulang dari ODK Collect."),
        (
            collect_xml(form="k3-lain"),
            "Formulir 'k3-lain' tidak dikenal; perbarui formulir di ponsel.",
        ),
        (
            collect_xml().replace(f"uuid:{IID}".encode(), b""),
            "instanceID tidak ada; kirim ulang dari ODK Collect.",
        ),
        (
            collect_xml().replace(f"uuid:{IID}".encode(), IID.encode()),
            "instanceID tidak ada; kirim ulang dari ODK Collect.",
        ),
        (
            collect_xml().replace(b"-6.2072 106.979 0.0 4.0", b"lat lon"),
            "Lokasi GPS tidak terbaca.",
        ),
    ],
    ids=["truncated", "empty", "unknown-form", "no-instance-id", "id-without-uuid", "bad-gps"],
)
def test_what_cannot_be_read_gets_a_message_collect_shows(xml, message):
    with pytest.raises(SubmissionError) as exc:
        parse_submission(xml)
    assert str(exc.value) == message


HOSTILE_XML = [
    # Entity expansion ("billion laughs"): refused, never expanded, and still a message
    # for the officer rather than a server error.
    (
        "entity-expansion",
        b'<?xml version="1.0"?><!DOCTYPE data [<!ENTITY a "aaaaaaaaaa">'
        b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]><data id="k3-patroli"><notes>&b;</notes></data>',
    ),
    # An external entity (reading a server file).
    (
        "external-entity",
        b'<?xml version="1.0"?><!DOCTYPE data [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<data id="k3-patroli"><notes>&x;</notes></data>',
    ),
    # An encoding Python does not know.
    ("unknown-encoding", b'<?xml version="1.0" encoding="bogus-8"?><data id="k3-patroli"/>'),
]


def refused_with_a_message(xml: bytes) -> None:
    try:
        parse_submission(xml)
    except SubmissionError as exc:
        assert "kirim ulang" in str(exc)
    else:
        raise AssertionError("accepted")


# defusedxml's EntitiesForbidden and the codec's LookupError once escaped past the
# SubmissionError that k3zones/services/collect.py turns into a message (Collect got a 500).
def test_hostile_xml_is_refused_with_a_message():
    check_all((name, functools.partial(refused_with_a_message, xml)) for name, xml in HOSTILE_XML)


@given(st.binary(max_size=300))
def test_any_bytes_are_read_or_refused_with_a_message(data):
    try:
        parse_submission(data)
    except SubmissionError as exc:
        assert str(exc)


# Text an officer can type into a Collect field (XML-escaped by Collect when it sends it).
field_text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs", "Cc"]), max_size=12)


@given(
    st.fixed_dictionaries(
        {
            "start": field_text,
            "zone": field_text,
            "location": field_text,
            "units": field_text,
            "kind": field_text,
            "count": field_text,
            "notes": field_text,
        }
    )
)
def test_whatever_is_typed_in_collect_ends_in_a_report_or_a_message(values):
    kind, count = escape(values["kind"]), escape(values["count"])
    rows = f"<temuan><kind>{kind}</kind><count>{count}</count></temuan>"
    fields = "".join(
        f"<{k}>{escape(v)}</{k}>" for k, v in values.items() if k not in ("kind", "count")
    )
    xml = (
        f'<?xml version="1.0"?><data id="k3-penertiban">{fields}{rows}'
        f"<meta><instanceID>uuid:{IID}</instanceID></meta></data>"
    ).encode()
    try:
        body, _ = parse_submission(xml)
    except SubmissionError:
        return
    _, errors = parse_report(body)
    assert all(e.message for e in errors)


# --- what Collect downloads ----------------------------------------------------------


def test_zones_csv_lists_the_zones_with_their_kategori():
    data = zones_csv(
        [(ZONE, "Jl. Sultan Agung", "merah"), ("z2", 'Pasar "Baru", Blok A', "kuning")]
    )
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    assert rows == [
        {"name": ZONE, "label": "Jl. Sultan Agung (zona merah)", "kategori": "merah"},
        {"name": "z2", "label": 'Pasar "Baru", Blok A (zona kuning)', "kategori": "kuning"},
    ]


def test_form_list_and_manifest_are_openrosa_xml_with_md5_hashes():
    form = BuiltForm("k3-patroli", "Laporan Patroli & Pantau", "2026112801", b"<h:html/>")
    root = ET.fromstring(form_list("https://k3.example/openrosa/medansatria", [form]))
    ns = {"x": "http://openrosa.org/xforms/xformsList"}
    [xform] = root.findall("x:xform", ns)
    assert xform.findtext("x:name", namespaces=ns) == "Laporan Patroli & Pantau"
    assert xform.findtext("x:hash", namespaces=ns) == (
        "md5:" + hashlib.md5(b"<h:html/>").hexdigest()
    )
    assert xform.findtext("x:downloadUrl", namespaces=ns) == (
        "https://k3.example/openrosa/medansatria/forms/k3-patroli.xml"
    )
    data = b"name,label,kategori\n"
    m = ET.fromstring(manifest("https://k3.example/o", "k3-patroli", {"zones.csv": data}))
    mns = {"m": "http://openrosa.org/xforms/xformsManifest"}
    [media] = m.findall("m:mediaFile", mns)
    assert media.findtext("m:filename", namespaces=mns) == "zones.csv"
    assert media.findtext("m:hash", namespaces=mns) == "md5:" + hashlib.md5(data).hexdigest()
    assert media.findtext("m:downloadUrl", namespaces=mns).endswith("/forms/k3-patroli/zones.csv")


def test_the_message_collect_shows_is_escaped_text():
    text = 'Laporan diterima <b>3</b> & "foto" menyusul'
    root = ET.fromstring(openrosa_message(text))
    assert root.tag == "{http://openrosa.org/http/response}OpenRosaResponse"
    assert root.findtext("{http://openrosa.org/http/response}message") == text
