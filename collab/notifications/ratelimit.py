"""Rate limits of group robots, shared by every worker.

Each robot kind has one or more limits "count per seconds" (DingTalk and WeCom: 20 a
minute, Feishu: 100 a minute and 5 a second; `COLLAB_ROBOT_RATE_LIMITS`). A robot's
bucket holds `count` tokens; a send takes one and the token comes back `seconds` after
it was taken. That never allows more than `count` sends in any window of `seconds`,
which is what DingTalk enforces (a 21st message within a minute blocks the robot for
ten minutes); a bucket that refills at a steady rate would let a full bucket plus a
minute's refill through.

The taken tokens live in a Redis sorted set per robot, changed atomically by one Lua
script, or, without Redis, in a `RobotSendWindow` row locked while a worker takes a
token. Times come from the worker's clock (`time.time()`).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from functools import cache

from django.conf import settings
from django.db import transaction

logger = logging.getLogger(__name__)

DEFAULT_LIMITS = {
    "dingtalk": "20/60",
    "wecom": "20/60",
    "feishu": "100/60,5/1",
    "webhook": "",
    # The company app's personal messages (whole app, every recipient).
    "ding_work": "20/1",
    "feishu_msg": "50/1",
    "wecom_app": "30/1",
}


@dataclass(frozen=True)
class Limit:
    count: int
    seconds: float


def parse_limits(text: str) -> tuple[Limit, ...]:
    """ "20/60" or "100/60,5/1" -> limits; "" means unlimited."""
    limits = []
    for part in (text or "").replace(" ", "").split(","):
        if not part:
            continue
        count, _sep, seconds = part.partition("/")
        limits.append(Limit(int(count), float(seconds)))
    return tuple(limits)


def limits_for(kind: str) -> tuple[Limit, ...]:
    configured = {**DEFAULT_LIMITS, **getattr(settings, "COLLAB_ROBOT_RATE_LIMITS", {})}
    return parse_limits(configured.get(kind, ""))


def wait_needed(sent: list[float], limits: tuple[Limit, ...], now: float) -> float:
    """Seconds until one more send fits every limit, given the recent send times."""
    wait = 0.0
    for limit in limits:
        in_window = sorted(t for t in sent if t > now - limit.seconds)
        excess = len(in_window) - limit.count
        if excess >= 0:
            wait = max(wait, in_window[excess] + limit.seconds - now)
    return wait


_TAKE_SCRIPT = """
local key = KEYS[1]
local now = tonumber(ARGV[1])
local n = (#ARGV - 2) / 2
local longest = 0
for i = 1, n do
  local seconds = tonumber(ARGV[2 + 2 * i])
  if seconds > longest then longest = seconds end
end
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - longest)
local wait = 0
for i = 1, n do
  local count = tonumber(ARGV[1 + 2 * i])
  local seconds = tonumber(ARGV[2 + 2 * i])
  local taken = redis.call('ZRANGEBYSCORE', key, '(' .. (now - seconds), '+inf', 'WITHSCORES')
  local k = #taken / 2
  if k >= count then
    local w = tonumber(taken[2 * (k - count) + 2]) + seconds - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return tostring(wait) end
redis.call('ZADD', key, now, ARGV[2])
redis.call('EXPIRE', key, math.ceil(longest) + 1)
return '0'
"""


def redis_url() -> str:
    for url in (
        getattr(settings, "COLLAB_ROBOT_RATE_REDIS_URL", ""),
        getattr(settings, "REDIS_URL", ""),
        getattr(settings, "CELERY_BROKER_URL", ""),
    ):
        if url and url.startswith(("redis://", "rediss://")):
            return url
    return ""


@cache
def _redis(url: str):
    import redis

    return redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)


def _take_redis(url: str, robot_id: int | str, limits: tuple[Limit, ...], now: float) -> float:
    client = _redis(url)
    args = [repr(now), f"{now!r}:{uuid.uuid4().hex}"]
    for limit in limits:
        args += [limit.count, repr(limit.seconds)]
    key = f"collab:robot-rate:{robot_id}"
    return float(client.eval(_TAKE_SCRIPT, 1, key, *args))


def _take_database(robot_id: int, limits: tuple[Limit, ...], now: float) -> float:
    from .models import RobotSendWindow

    longest = max(limit.seconds for limit in limits)
    with transaction.atomic():
        RobotSendWindow.objects.get_or_create(robot_id=robot_id)
        window = RobotSendWindow.objects.select_for_update().get(robot_id=robot_id)
        sent = [t for t in window.sent if t > now - longest]
        wait = wait_needed(sent, limits, now)
        if wait <= 0:
            sent.append(now)
        window.sent = sent
        window.save(update_fields=["sent"])
    return wait


def take_token(robot_id: int, kind: str, *, now: float | None = None) -> float:
    """Take one send token of the robot: 0 when granted, else the seconds to wait."""
    limits = limits_for(kind)
    if not limits:
        return 0.0
    now = time.time() if now is None else now
    url = redis_url()
    if url:
        try:
            return _take_redis(url, robot_id, limits, now)
        except Exception as error:  # Redis away: the database keeps the limit
            logger.warning("Robot rate limit falls back to the database: %s", error)
    return _take_database(robot_id, limits, now)


def take_app_token(channel: str, *, now: float | None = None) -> float:
    """One send token of the company app's personal messages on a platform: 0 when
    granted, else the seconds to wait. Kept in Redis; without Redis the platform's own
    rate-limit answers pace the sends (they are retried after its pause)."""
    limits = limits_for(channel)
    url = redis_url()
    if not limits or not url:
        return 0.0
    now = time.time() if now is None else now
    try:
        return _take_redis(url, f"app-{channel}", limits, now)
    except Exception as error:
        logger.warning("App rate limit unavailable: %s", error)
        return 0.0
