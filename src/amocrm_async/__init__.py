"""amocrm_async — an anyio-native SDK for the amoCRM / Kommo REST API v4."""

from . import errors
from ._auth import Auth, AuthContext, StaticTokenAuth
from ._client import AmoCRMClient
from ._clock import Clock, SystemClock, VirtualClock
from ._pagination import Page, PageIterator
from ._pipeline import APIResponse, RequestOptions, RetryPolicy
from ._ratelimit import Bucket, MemoryRateLimiter, RateLimiter
from ._version import __version__
from .errors import AmoCRMError

__all__ = [
    "APIResponse",
    "AmoCRMClient",
    "AmoCRMError",
    "Auth",
    "AuthContext",
    "Bucket",
    "Clock",
    "MemoryRateLimiter",
    "Page",
    "PageIterator",
    "RateLimiter",
    "RequestOptions",
    "RetryPolicy",
    "StaticTokenAuth",
    "SystemClock",
    "VirtualClock",
    "__version__",
    "errors",
]
