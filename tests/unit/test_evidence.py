"""Evidence flags at their thresholds."""

from datetime import UTC, datetime, timedelta

from k3zones.evidence import EvidenceRules, photo_flags, report_flags, summarise

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
