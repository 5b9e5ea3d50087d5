"""Fixed-window rate limits kept in Django's cache."""

import time

from django.core.cache import caches

from .conf import crm_settings


def hit(key: str, limit: int, window: int) -> int | None:
    """Count one request against ``key``.

    Returns ``None`` while within ``limit`` requests per ``window`` seconds,
    else the seconds until the window ends (for ``Retry-After``). A limit of
    0 or less never refuses.
    """
    if limit <= 0 or window <= 0:
        return None
    now = time.time()
    window_start = int(now // window)
    cache = caches[crm_settings.RATE_LIMIT_CACHE]
    cache_key = f"wagtail_chatbot_crm:rl:{key}:{window}:{window_start}"
    # add() then incr() is atomic on every shared cache backend; add() only
    # creates the counter when it is missing.
    cache.add(cache_key, 0, timeout=window + 1)
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=window + 1)
        count = 1
    if count <= limit:
        return None
    return max(1, int((window_start + 1) * window - now + 0.999))
