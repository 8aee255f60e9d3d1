"""amocrm_async — an anyio-native SDK for the amoCRM / Kommo REST API v4."""

from . import errors
from ._auth import Auth, AuthContext, StaticTokenAuth
from ._client import AmoCRMClient
from ._clients import AmoCRMClients
from ._clock import Clock, SystemClock, VirtualClock
from ._domains import normalize_base_domain
from ._oauth import (
    BUTTON_COLORS,
    AccountDomain,
    OAuthCallback,
    OAuthConfig,
    authorization_url,
    exchange_api_key,
    exchange_code,
    generate_state,
    lookup_account_domain,
    oauth_button_html,
    parse_oauth_callback,
    refresh_access_token,
    verify_state,
)
from ._one_time_tokens import (
    BotDisposableToken,
    DisposableToken,
    parse_bot_disposable_token,
    parse_disposable_token,
    verify_disconnect_signature,
)
from ._pagination import IterationProgress, Page, PageIterator, ReadAhead
from ._pipeline import APIResponse, RequestOptions, RetryPolicy
from ._ratelimit import Bucket, MemoryRateLimiter, RateLimiter
from ._refreshing_auth import RefreshingAuth, TokenRefreshedCallback
from ._sync import ChangesCursor, ChangesIterator, Deletion
from ._token_store import FileTokenStore, MemoryTokenStore, StoredToken, TokenStore
from ._tokens import OAuthToken
from ._version import __version__
from .errors import AmoCRMError

__all__ = [
    "BUTTON_COLORS",
    "APIResponse",
    "AccountDomain",
    "AmoCRMClient",
    "AmoCRMClients",
    "AmoCRMError",
    "Auth",
    "AuthContext",
    "BotDisposableToken",
    "Bucket",
    "ChangesCursor",
    "ChangesIterator",
    "Clock",
    "Deletion",
    "DisposableToken",
    "FileTokenStore",
    "IterationProgress",
    "MemoryRateLimiter",
    "MemoryTokenStore",
    "OAuthCallback",
    "OAuthConfig",
    "OAuthToken",
    "Page",
    "PageIterator",
    "RateLimiter",
    "ReadAhead",
    "RefreshingAuth",
    "RequestOptions",
    "RetryPolicy",
    "StaticTokenAuth",
    "StoredToken",
    "SystemClock",
    "TokenRefreshedCallback",
    "TokenStore",
    "VirtualClock",
    "__version__",
    "authorization_url",
    "errors",
    "exchange_api_key",
    "exchange_code",
    "generate_state",
    "lookup_account_domain",
    "normalize_base_domain",
    "oauth_button_html",
    "parse_bot_disposable_token",
    "parse_disposable_token",
    "parse_oauth_callback",
    "refresh_access_token",
    "verify_disconnect_signature",
    "verify_state",
]
