"""Passwords and tokens, without a database."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher

from k3zones import auth
from k3zones.enums import Role

SECRET = "s" * 48
NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def claims() -> auth.AccessClaims:
    return auth.AccessClaims(uuid.uuid4(), uuid.uuid4(), Role.TRANTIB, 3)


def test_password_hash_verifies_only_the_right_password():
    h = auth.hash_password("Benar-Sekali#1")
    assert h.startswith("$argon2id$") and not auth.needs_rehash(h)  # at today's cost
    # The checks use a hash made cheaply: verification reads its cost from the hash, and
    # argon2 at full cost is slow on purpose (signing in with it: tests/integration).
    cheap = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash("Benar-Sekali#1")
    assert auth.verify_password(cheap, "Benar-Sekali#1")
    assert not auth.verify_password(cheap, "benar-sekali#1")
    assert auth.needs_rehash(cheap)  # a weaker hash is replaced at the next sign-in
    assert not auth.verify_password(None, "apa saja")  # no such user: still refused
    assert not auth.verify_password("bukan-hash", "apa saja")


def test_configured_cost_applies_to_new_hashes_and_old_ones_are_rehashed():
    before = auth.hash_password("Benar-Sekali#1")
    try:
        auth.configure_hashing(time_cost=2, memory_kib=19456, parallelism=1)
        h = auth.hash_password("Benar-Sekali#1")
        assert "$m=19456,t=2,p=1$" in h and not auth.needs_rehash(h)
        assert auth.verify_password(before, "Benar-Sekali#1")  # the old cost still signs in
        assert auth.needs_rehash(before)  # and is replaced at that sign-in
    finally:
        auth.configure_hashing(time_cost=3, memory_kib=65536, parallelism=4)
    assert not auth.needs_rehash(before)


def test_password_rules_speak_indonesian():
    assert auth.password_problems("pendek", "budi") == ["Kata sandi paling sedikit 10 karakter."]
    assert "sama dengan nama pengguna" in " ".join(
        auth.password_problems("budi.satpol", "budi.satpol")
    )
    assert auth.password_problems("aaaaaaaaaaaa", "budi")
    assert auth.password_problems("Kuat-Sekali#2024", "budi") == []


def test_access_token_round_trip_and_expiry():
    c = claims()
    token = auth.issue_access_token(SECRET, c, NOW, timedelta(minutes=15))
    assert auth.read_access_token(SECRET, token, NOW) == c
    assert auth.read_access_token(SECRET, token, NOW + timedelta(minutes=14)) == c
    with pytest.raises(auth.TokenError, match="expired"):
        auth.read_access_token(SECRET, token, NOW + timedelta(minutes=15))


def test_access_token_with_another_key_or_tampered_is_refused():
    token = auth.issue_access_token(SECRET, claims(), NOW, timedelta(minutes=5))
    with pytest.raises(auth.TokenError):
        auth.read_access_token("t" * 48, token, NOW)
    head, body, sig = token.split(".")
    with pytest.raises(auth.TokenError):
        auth.read_access_token(SECRET, f"{head}.{body}x.{sig}", NOW)


def test_refresh_tokens_are_random_and_only_their_hash_is_kept():
    tid, token, digest = auth.new_refresh_token()
    assert auth.parse_refresh_token(token) == tid
    assert digest == auth.refresh_hash(token) and token not in digest
    assert auth.new_refresh_token()[1] != token
    for bad in ["", "abc", "zz.yy", f"{tid.hex}.", "g" * 32 + ".x"]:
        with pytest.raises(auth.TokenError):
            auth.parse_refresh_token(bad)
