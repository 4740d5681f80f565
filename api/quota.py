"""Per-officer quotas on the phone's hot paths (report POST, photo PUT): one Redis round
trip per request.

Flask-Limiter (kept for every other limit) spends four Redis commands on a request it
limits: a test before, a conditional hit after, and two more for its headers; on the report
POST that was a fifth of the request. Here one Lua script checks every window of a limit
string ("120 per hour;600 per day") and takes one from each only if all have room, and
answers with what the headers need. The windows are fixed and start at the first request,
as Flask-Limiter's default strategy, so the same settings mean the same limits.

A request that turns out not to count (a replayed report, a photo already received) gives
its unit back (a second round trip, on that rare path only). A Redis outage lets requests
through and is logged: an officer must not be locked out because the counter is down (the
same choice as Flask-Limiter's in-memory fallback with swallowed errors).
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from functools import cache

from limits import RateLimitItem, parse_many
from redis import Redis
from redis.exceptions import RedisError
from werkzeug.exceptions import TooManyRequests

log = logging.getLogger(__name__)

PREFIX = "k3zones:quota:"

# KEYS: one counter per window; ARGV: (limit, seconds) per window. Nothing is taken unless
# every window has room. Returns {1 if taken, then per window: count after, seconds left}.
_TAKE = """
local out = {1}
for i, key in ipairs(KEYS) do
  local n = tonumber(redis.call('GET', key) or '0')
  if n >= tonumber(ARGV[2 * i - 1]) then out[1] = 0 end
end
for i, key in ipairs(KEYS) do
  local n
  if out[1] == 1 then
    n = redis.call('INCR', key)
    if n == 1 then redis.call('EXPIRE', key, ARGV[2 * i]) end
  else
    n = tonumber(redis.call('GET', key) or '0')
  end
  local ttl = redis.call('TTL', key)
  if ttl < 0 then ttl = tonumber(ARGV[2 * i]) end
  out[#out + 1] = n
  out[#out + 1] = ttl
end
return out
"""

# Give one unit back to each window that still exists (a window that ended meanwhile
# stays ended: no key is made again without its expiry).
_GIVE_BACK = """
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then redis.call('DECR', key) end
end
return 1
"""


class QuotaExceeded(TooManyRequests):
    """429: the officer used up a window; `retry_after` seconds until it ends."""

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


@dataclass(frozen=True)
class Taken:
    """A unit taken from every window of one quota, and the headers it earns."""

    keys: tuple[str, ...]
    headers: dict[str, str]


@cache
def _windows(limit: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(limit))


class Quotas:
    """The quotas of one app, on its Redis."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._take = redis.register_script(_TAKE)
        self._give_back = redis.register_script(_GIVE_BACK)

    def take(self, limit: str, key: str) -> Taken | None:
        """Take one unit of `limit` for `key`, or raise QuotaExceeded. None when Redis is
        down (the request goes through uncounted)."""
        windows = _windows(limit)
        keys = [f"{PREFIX}{key}:{w.amount}/{w.get_expiry()}" for w in windows]
        args: list[int] = []
        for w in windows:
            args += [w.amount, w.get_expiry()]
        try:
            out = [int(x) for x in self._take(keys=keys, args=args)]
        except RedisError:
            log.warning("kuota %s tidak dapat dihitung: Redis tidak terjangkau", key)
            return None
        taken, stats = out[0] == 1, list(zip(out[1::2], out[2::2], strict=True))
        if not taken:
            full = [ttl for (n, ttl), w in zip(stats, windows, strict=True) if n >= w.amount]
            raise QuotaExceeded(max(1, max(full, default=1)))
        # The headers speak of the window with the least room left (Flask-Limiter's way).
        (n, ttl), w = min(zip(stats, windows, strict=True), key=lambda s: s[1].amount - s[0][0])
        headers = {
            "X-RateLimit-Limit": str(w.amount),
            "X-RateLimit-Remaining": str(max(0, w.amount - n)),
            "X-RateLimit-Reset": str(math.ceil(time.time() + ttl)),
        }
        return Taken(tuple(keys), headers)

    def give_back(self, taken: Taken | None) -> None:
        """The request did not count after all: return its unit to every window."""
        if taken is None:
            return
        try:
            self._give_back(keys=list(taken.keys))
        except RedisError:
            log.warning("kuota tidak dapat dikembalikan: Redis tidak terjangkau")
