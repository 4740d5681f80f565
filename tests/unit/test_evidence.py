"""Evidence flags at their thresholds."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from k3zones.evidence import EvidenceRules, photo_flags, report_flags, summarise, unreadable_flag

R = EvidenceRules()
T0 = datetime(2024, 5, 2, 1, 0, tzinfo=UTC)


def rflags(**kw):
    base = dict(
        started_at=T0, received_at=T0, accuracy_m=10.0, zone_matched=True, zone_distance_m=0.0
    )
    return report_flags(R, **{**base, **kw})


def pflags(**kw):
    base = dict(
        has_gps=True,
        distance_m=10.0,
        report_accuracy_m=10.0,
        taken_at=T0,
        window=(T0, T0 + timedelta(hours=1)),
        exif_problems=[],
        same_sha=None,
        near=None,
    )
    return photo_flags(R, **{**base, **kw})


def test_a_clean_report_has_no_flags():
    assert rflags() == {}


def test_clock_future_beyond_five_minutes():
    assert "clock_future" not in rflags(started_at=T0 + timedelta(minutes=5))
    f = rflags(started_at=T0 + timedelta(minutes=6))
    assert f["clock_future"]["minutes"] == 6


def test_low_accuracy_and_zone_distance():
    assert "low_accuracy" not in rflags(accuracy_m=50.0)
    assert rflags(accuracy_m=51.0)["low_accuracy"]["accuracy_m"] == 51.0
    assert rflags(zone_distance_m=42.4)["outside_zone"]["distance_m"] == 42
    assert "no_zone" in rflags(zone_matched=False, zone_distance_m=None)


def test_photo_distance_allows_for_poor_accuracy():
    assert "gps_far" not in pflags(distance_m=200.0)
    assert pflags(distance_m=201.0)["gps_far"]["distance_m"] == 201
    # A fix good to 150 m: photos within 300 m are fine.
    assert "gps_far" not in pflags(distance_m=290.0, report_accuracy_m=150.0)
    assert "km" in pflags(distance_m=12_345.0)["gps_far"]["message"]


def test_photo_time_window_edges():
    assert "time_far" not in pflags(taken_at=T0 - timedelta(hours=2))
    assert pflags(taken_at=T0 - timedelta(hours=2, minutes=1))["time_far"]["minutes"] == 121
    assert "time_far" not in pflags(taken_at=T0 + timedelta(hours=3))
    assert "time_far" in pflags(taken_at=T0 + timedelta(hours=3, minutes=1))


def test_duplicate_wins_over_near_duplicate_and_summary_counts_photos():
    f = pflags(
        same_sha={"report_id": "r1", "photo_id": "p1"},
        near={"report_id": "r2", "photo_id": "p2", "distance_bits": 2},
    )
    assert "duplicate" in f and "near_duplicate" not in f
    s = summarise(
        {"low_accuracy": {"accuracy_m": 80}, "photo_no_gps": {"photos": 9}},
        [{"no_gps": {}}, {"no_gps": {}, "time_far": {}}, {}],
    )
    assert s["photo_no_gps"]["photos"] == 2 and s["photo_time_far"]["photos"] == 1
    assert s["low_accuracy"] == {"accuracy_m": 80}


# --- what the reviewer reads ---------------------------------------------------------


def test_report_flags_speak_to_the_reviewer_in_indonesian():
    f = rflags(
        started_at=T0 + timedelta(minutes=6),
        accuracy_m=51.4,
        zone_distance_m=42.4,
    )
    assert {k: v["message"] for k, v in f.items()} == {
        "clock_future": "Jam perangkat 6 menit lebih cepat dari server.",
        "low_accuracy": "Akurasi GPS rendah (51 m).",
        "outside_zone": "Titik laporan 42 m di luar area pantau zona.",
    }
    assert rflags(zone_matched=False, zone_distance_m=None)["no_zone"] == {
        "message": "Titik laporan tidak berada di area pantau zona mana pun."
    }


def test_a_report_sent_days_later_from_an_offline_phone_is_not_flagged():
    assert rflags(started_at=T0 - timedelta(days=3)) == {}
    assert rflags(accuracy_m=None) == {}


@pytest.mark.parametrize(
    "distance, text",
    [(201.0, "201 m"), (999.4, "999 m"), (1000.0, "1,0 km"), (12_345.0, "12,3 km")],
)
def test_photo_distance_is_written_the_indonesian_way(distance, text):
    assert pflags(distance_m=distance)["gps_far"]["message"] == (
        f"Lokasi foto {text} dari titik laporan."
    )


@pytest.mark.parametrize(
    "taken, text",
    [
        (T0 - timedelta(hours=2, minutes=1), "2 jam"),
        (T0 + timedelta(hours=1) + timedelta(hours=47, minutes=59), "47 jam"),
        (T0 - timedelta(days=3, hours=5), "3 hari"),
    ],
)
def test_photo_time_gap_is_written_in_minutes_hours_or_days(taken, text):
    assert pflags(taken_at=taken)["time_far"]["message"] == (
        f"Foto diambil {text} di luar waktu kegiatan."
    )


def test_a_stricter_time_rule_speaks_in_minutes():
    rules = EvidenceRules(photo_time_far=timedelta(minutes=30))
    base = dict(
        has_gps=False,
        distance_m=None,
        report_accuracy_m=None,
        taken_at=T0 - timedelta(minutes=45),
        window=(T0, T0),
        exif_problems=["IFD GPS rusak", "tag EXIF utama rusak"],
        same_sha=None,
        near={"report_id": "r2", "photo_id": "p2", "distance_bits": 5},
    )
    f = photo_flags(rules, **base)
    assert f["time_far"]["message"] == "Foto diambil 45 menit di luar waktu kegiatan."
    assert f["no_gps"] == {"message": "Foto tidak memuat lokasi GPS."}
    assert (
        f["exif_damaged"]["message"] == "Metadata foto rusak: IFD GPS rusak; tag EXIF utama rusak"
    )
    assert f["near_duplicate"]["message"].endswith("(beda 5 dari 64 bit).")
    assert f["near_duplicate"]["report_id"] == "r2"  # the reviewer can open the other report


def test_the_summary_names_each_photo_problem_and_replaces_an_old_summary():
    s = summarise(
        {"photo_no_gps": {"photos": 5, "message": "lama"}},
        [unreadable_flag("Berkas foto rusak."), {"no_gps": {}}, {"no_gps": {}}],
    )
    assert s == {
        "photo_no_gps": {"photos": 2, "message": "2 foto: tanpa lokasi GPS."},
        "photo_unreadable": {"photos": 1, "message": "1 foto: tidak dapat dibaca."},
    }


optional_times = st.none() | st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2024, 12, 31), timezones=st.just(UTC)
)
photo_flag_sets = st.builds(
    lambda **kw: photo_flags(R, **kw),
    has_gps=st.booleans(),
    distance_m=st.none() | st.floats(0, 50_000),
    report_accuracy_m=st.none() | st.floats(0, 500),
    taken_at=optional_times,
    window=st.just((T0, T0 + timedelta(hours=1))),
    exif_problems=st.lists(st.sampled_from(["blok EXIF rusak", "IFD GPS rusak"]), max_size=2),
    same_sha=st.none() | st.just({"report_id": "r1", "photo_id": "p1"}),
    near=st.none() | st.just({"report_id": "r2", "photo_id": "p2", "distance_bits": 3}),
) | st.builds(unreadable_flag, st.just("Berkas foto rusak."))


@given(st.lists(photo_flag_sets, max_size=4))
def test_every_flag_a_photo_can_get_is_counted_and_named_in_the_summary(photos):
    s = summarise({}, photos)
    for name in {n for f in photos for n in f}:
        n = sum(name in f for f in photos)
        assert s[f"photo_{name}"]["photos"] == n
        assert s[f"photo_{name}"]["message"].startswith(f"{n} foto: ")
    assert len(s) == len({n for f in photos for n in f})
