"""The per-officer quotas of the report POST and photo PUT (api/quota.py) on a real Redis:
every window of a limit string counts, a refused request takes nothing from any window, a
request that did not count gives its unit back, and a Redis outage lets officers through."""

from __future__ import annotations

import socket
import uuid

import pytest
import redis

from api.quota import QuotaExceeded, Quotas


def test_every_window_counts_and_a_refusal_takes_nothing(redis_client):
    quotas = Quotas(redis_client)
    key = f"test:{uuid.uuid4()}"
    limit = "3 per hour;4 per day"
    for left in (2, 1, 0):
        taken = quotas.take(limit, key)
        assert taken is not None
        # The hour window has the least room: the headers speak of it.
        assert taken.headers["X-RateLimit-Limit"] == "3"
        assert taken.headers["X-RateLimit-Remaining"] == str(left)
    with pytest.raises(QuotaExceeded) as refused:
        quotas.take(limit, key)
    assert 3500 < refused.value.retry_after <= 3600
    # The refusal did not eat into the day: after the hour's unit comes back (a replay),
    # one more fits, and both windows have counted three.
    quotas.give_back(taken)
    assert quotas.take(limit, key) is not None
    hour, day = sorted(redis_client.keys(f"*{key}*"))
    assert int(redis_client.get(hour) or 0) == 3 and int(redis_client.get(day) or 0) == 3
    assert redis_client.ttl(day) > 80000


def test_a_give_back_never_revives_an_ended_window(redis_client):
    quotas = Quotas(redis_client)
    key = f"test:{uuid.uuid4()}"
    taken = quotas.take("5 per hour", key)
    redis_client.delete(*redis_client.keys(f"*{key}*"))  # the hour ended
    quotas.give_back(taken)
    assert redis_client.keys(f"*{key}*") == []


def test_a_redis_outage_lets_the_officer_through():
    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    down = redis.Redis(port=port, socket_connect_timeout=0.5, socket_timeout=0.5)
    quotas = Quotas(down)
    assert quotas.take("1 per hour", "test:down") is None
    assert quotas.take("1 per hour", "test:down") is None
    quotas.give_back(None)
