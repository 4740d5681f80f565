"""One Indonesian label table for every code a person may see (issue 15)."""

from __future__ import annotations

import enum
import inspect

from k3zones import enums, evidence
from k3zones.labels import ENUM_LABELS, LABELS, OTHER_LABELS, label
from k3zones.reports import ACTIONS, VIOLATIONS


def test_every_enum_has_a_vocabulary_and_every_value_a_label():
    covered = {e for e, _ in ENUM_LABELS.values()}
    declared = {
        c
        for _, c in inspect.getmembers(enums, inspect.isclass)
        if issubclass(c, enum.StrEnum) and c.__module__ == enums.__name__
    }
    assert declared == covered
    for name, (e, labels) in ENUM_LABELS.items():
        assert set(labels) == {v.value for v in e}, name


def test_report_and_evidence_codes_have_labels():
    assert set(OTHER_LABELS["violation_kind"]) == set(VIOLATIONS)
    assert set(OTHER_LABELS["enforcement_action"]) == set(ACTIONS)
    photo = set(evidence._PHOTO_NAMES)
    assert {f"photo_{f}" for f in photo} <= set(OTHER_LABELS["evidence_flag"])
    assert photo <= set(OTHER_LABELS["evidence_flag"])


def test_labels_are_indonesian_text_not_codes():
    for name, labels in LABELS.items():
        for code, text in labels.items():
            assert text and text.strip() == text and "_" not in text, (name, code)
            assert text[0].isupper() or text[0] == "/", (name, code)
    assert label("action", None) == "-"
    assert label("enforcement_action", "teguran_tertulis") == "Teguran tertulis"
    assert label("review_state", "menunggu") == "Menunggu tinjauan"
    assert label("kategori_zona", "kuning") == "Kuning"
    assert label("zone_status", "tidak_ada") == "tidak_ada"
