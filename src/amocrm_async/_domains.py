"""Which hosts the SDK will talk to.

Tokens and client secrets are only ever sent to an amoCRM/Kommo account host, so every base
domain (given by the caller, taken from an OAuth ``referer`` or from a subdomain lookup) passes
through :func:`normalize_base_domain` first.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from .errors import InvalidBaseDomainError

__all__ = ["is_account_host", "normalize_base_domain", "split_origin"]

_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_ACCOUNT_HOST = re.compile(rf"^{_LABEL}\.(?:amocrm\.ru|amocrm\.com|kommo\.com)$")
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*$")
_SHOWN = 100


def is_account_host(host: str) -> bool:
    """True for ``<label>.amocrm.ru``, ``<label>.amocrm.com``, ``<label>.kommo.com`` (not www)."""
    host = host.lower()
    return bool(_ACCOUNT_HOST.match(host)) and not host.startswith("www.")


def split_origin(value: str) -> tuple[str | None, str]:
    """``"https://acme.amocrm.ru/"`` → ``("https", "acme.amocrm.ru")``; no scheme → ``None``."""
    value = value.strip()
    if "://" in value:
        parts = urlsplit(value)
        return parts.scheme.lower(), parts.netloc.lower()
    return None, value.split("/", 1)[0].lower()


def _redacted(value: str) -> str:
    """The address as an error may show it: scheme and host, without credentials or query.

    A caller may paste a URL with ``user:password@`` in it, or a query carrying a token; the
    message exists to say which host was refused, so only the host part is echoed.
    """
    scheme, separator, rest = value.partition("://") if "://" in value else ("", "", value)
    if not separator and rest.startswith("//"):
        separator, rest = "//", rest[2:]
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    cut = "/..." if len(authority) < len(rest) else ""
    if "@" in authority:
        authority = "<credentials>@" + authority.rsplit("@", 1)[1]
    shown = f"{scheme}{separator}{authority}"
    return (shown if len(shown) <= _SHOWN else shown[:_SHOWN] + "...") + cut


def _bad_domain(value: str, reason: str) -> InvalidBaseDomainError:
    shown = _redacted(value)
    return InvalidBaseDomainError(
        f"{shown!r} is not an amoCRM/Kommo account host ({reason}); expected "
        "SUBDOMAIN.amocrm.ru, SUBDOMAIN.amocrm.com or SUBDOMAIN.kommo.com (a local fake "
        "server needs allow_any_host=True)"
    )


def normalize_base_domain(value: str, *, allow_any_host: bool = False) -> str:
    """Reduce an account address to its host and check it is an amoCRM/Kommo account host.

    Accepts ``acme.amocrm.ru``, ``https://acme.amocrm.ru/``, ``ACME.amocrm.ru/leads`` and the like;
    returns the lower-cased host. Only a single-label subdomain (not ``www``) of ``amocrm.ru``,
    ``amocrm.com`` or ``kommo.com``, reached over https, passes, because this host receives the
    client secret and refresh tokens. Credentials (``user@``), ports and IP literals are refused.
    ``allow_any_host=True`` (tests, a local fake server) accepts any hostname or IP, with an
    optional port and ``http://``. Raises :class:`~amocrm_async.errors.InvalidBaseDomainError`.
    """
    if not isinstance(value, str):
        raise InvalidBaseDomainError("the base domain must be a string")
    text = value.strip()
    if not text:
        raise InvalidBaseDomainError("the base domain is empty")
    original = text
    if "://" in text:
        scheme, _, text = text.partition("://")
        if scheme.lower() not in ("https", "http"):
            raise _bad_domain(original, f"unsupported scheme {scheme!r}")
        if scheme.lower() != "https" and not allow_any_host:
            raise _bad_domain(original, "amoCRM is only reachable over https")
    elif text.startswith("//"):
        text = text[2:]
    for separator in "/?#":
        text = text.split(separator, 1)[0]
    if not text:
        raise _bad_domain(original, "no host")
    if "@" in text or "\\" in text or any(ch.isspace() for ch in text):
        raise _bad_domain(original, "credentials, backslashes or spaces are not allowed")

    port: str | None = None
    if text.startswith("["):
        host, bracket, rest = text[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            raise _bad_domain(original, "malformed IPv6 literal")
        port = rest[1:] if rest else None
        is_ipv6 = True
    else:
        if text.count(":") > 1:
            raise _bad_domain(original, "malformed host")
        host, colon, port_text = text.partition(":")
        port = port_text if colon else None
        is_ipv6 = False
    host = host.lower()
    if host.endswith("."):
        host = host[:-1]
    if port is not None and (not port.isdigit() or not 0 < int(port) < 65536):
        raise _bad_domain(original, "invalid port")

    if not allow_any_host:
        if is_ipv6 or port is not None:
            raise _bad_domain(original, "IP addresses and ports are not allowed")
        if not _ACCOUNT_HOST.match(host) or host.startswith("www."):
            raise _bad_domain(original, "not an account subdomain")
        return host

    if is_ipv6:
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            raise _bad_domain(original, "malformed IPv6 literal") from None
        host = f"[{host}]"
    elif not (len(host) <= 253 and _HOSTNAME.match(host)):
        raise _bad_domain(original, "malformed host name")
    return f"{host}:{int(port)}" if port is not None else host
