"""Fixed-window rate limits kept in Django's cache."""

import contextlib
import time

from django.core.cache import caches

from .conf import crm_settings


def _counter(key: str, window: int) -> tuple[str, int, float]:
    now = time.time()
    window_start = int(now // window)
    return f"wagtail_chatbot_crm:rl:{key}:{window}:{window_start}", window_start, now


def hit(key: str, limit: int, window: int, cost: int = 1) -> int | None:
    """Count a request of ``cost`` units against ``key``.

    Returns ``None`` while within ``limit`` units per ``window`` seconds,
    else the seconds until the window ends (for ``Retry-After``). A limit of
    0 or less never refuses.
    """
    if limit <= 0 or window <= 0:
        return None
    cache_key, window_start, now = _counter(key, window)
    cache = caches[crm_settings.RATE_LIMIT_CACHE]
    # add() then incr() is atomic on every shared cache backend; add() only
    # creates the counter when it is missing.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key, cost)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, cost, timeout=window + 1)
        count = cost
    if count <= limit:
        return None
    return max(1, int((window_start + 1) * window - now + 0.999))


def refund(key: str, window: int, units: int) -> None:
    """Give back ``units`` of what ``hit`` counted in the current window."""
    if window <= 0 or units <= 0:
        return
    cache_key, _start, _now = _counter(key, window)
    # A counter that expired meanwhile has nothing to give back.
    with contextlib.suppress(ValueError):
        caches[crm_settings.RATE_LIMIT_CACHE].decr(cache_key, units)
