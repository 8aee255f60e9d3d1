"""Which hosts the SDK will talk to.

Tokens and client secrets are only ever sent to an amoCRM/Kommo account host, so every base
domain (given by the caller, taken from an OAuth ``referer`` or from a subdomain lookup) passes
through :func:`normalize_base_domain` first.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from .errors import InvalidBaseDomainError

__all__ = ["ACCOUNT_DOMAIN_SUFFIXES", "is_account_host", "normalize_base_domain", "split_origin"]

ACCOUNT_DOMAIN_SUFFIXES = ("amocrm.ru", "amocrm.com", "kommo.com")
_LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")


def is_account_host(host: str) -> bool:
    """True for ``<label>.amocrm.ru``, ``<label>.amocrm.com``, ``<label>.kommo.com``."""
    host = host.lower()
    for suffix in ACCOUNT_DOMAIN_SUFFIXES:
        if host.endswith("." + suffix):
            label = host[: -len(suffix) - 1]
            return bool(_LABEL.match(label)) and label != "www"
    return False


def split_origin(value: str) -> tuple[str | None, str]:
    """``"https://acme.amocrm.ru/"`` → ``("https", "acme.amocrm.ru")``; no scheme → ``None``."""
    value = value.strip()
    if "://" in value:
        parts = urlsplit(value)
        return parts.scheme.lower(), parts.netloc.lower()
    return None, value.split("/", 1)[0].lower()


def normalize_base_domain(value: str, *, allow_any_host: bool = False) -> str:
    """Validate an account base domain and return it as a bare host (``acme.amocrm.ru``).

    Accepts the host with or without ``https://`` and a trailing slash. Anything that is not an
    amoCRM/Kommo account host is refused unless ``allow_any_host`` (e.g. a local fake server).
    """
    if not isinstance(value, str) or not value.strip():
        raise InvalidBaseDomainError("base domain must be a non-empty string like 'acme.amocrm.ru'")
    scheme, host = split_origin(value)
    if allow_any_host:
        if not host:
            raise InvalidBaseDomainError(f"cannot read a host from {value!r}")
        return host
    if scheme not in (None, "https"):
        raise InvalidBaseDomainError(
            f"{value!r}: amoCRM is only reachable over https (pass allow_any_host=True for a "
            "local fake server)"
        )
    if not is_account_host(host):
        raise InvalidBaseDomainError(
            f"{value!r} is not an amoCRM/Kommo account host; expected '<subdomain>.amocrm.ru', "
            "'<subdomain>.amocrm.com' or '<subdomain>.kommo.com' (pass allow_any_host=True to "
            "talk to another host on purpose, e.g. a local fake server)"
        )
    return host
