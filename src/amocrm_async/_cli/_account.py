"""Where the command keeps what it knows about accounts, and how it opens a client for one.

The configuration directory (``--config-dir``, else ``$AMOCRM_ASYNC_HOME``, else
``$XDG_CONFIG_HOME/amocrm-async`` or ``~/.config/amocrm-async``; mode 0700) holds:

* ``accounts.json`` (mode 0600): per account host, the integration (client id and secret,
  redirect URI) and where its token pair is stored, or the long-lived token itself; and which
  account is the default;
* ``tokens/``: the default :class:`~amocrm_async.FileTokenStore` of OAuth pairs.

Tokens and secrets are never printed; a store URL is shown without its password.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from .._client import AmoCRMClient
from .._domains import normalize_base_domain
from .._oauth import OAuthConfig
from .._token_store import FileTokenStore, TokenStore
from ..errors import InvalidBaseDomainError
from ._args import EXIT_NOT_AUTHORIZED, CommandError, UsageError

__all__ = [
    "AccountEntry",
    "Config",
    "config_dir",
    "open_client",
    "open_store",
    "redact",
]

_FORMAT = 1


def config_dir(given: str | None) -> Path:
    if given:
        return Path(given).expanduser()
    home = os.environ.get("AMOCRM_ASYNC_HOME")
    if home:
        return Path(home).expanduser()
    xdg = os.environ.get("XDG_CONFIG_HOME")
    base = Path(xdg).expanduser() if xdg else Path.home() / ".config"
    return base / "amocrm-async"


@dataclass
class AccountEntry:
    """One account as ``accounts.json`` has it."""

    domain: str
    kind: str  # "oauth" or "long-lived"
    server: str | None = None
    client_id: str | None = None
    client_secret: str | None = None
    redirect_uri: str | None = None
    store: str | None = None
    access_token: str | None = None

    def to_json(self) -> dict[str, Any]:
        data = {
            "kind": self.kind,
            "server": self.server,
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uri": self.redirect_uri,
            "store": self.store,
            "access_token": self.access_token,
        }
        return {k: v for k, v in data.items() if v is not None}

    @classmethod
    def from_json(cls, domain: str, data: Any) -> AccountEntry:
        if not isinstance(data, dict) or data.get("kind") not in ("oauth", "long-lived"):
            raise CommandError(f"accounts.json: the entry for {domain} is unreadable")
        fields = ("server", "client_id", "client_secret", "redirect_uri", "store", "access_token")
        values = {name: data.get(name) for name in fields}
        if not all(v is None or isinstance(v, str) for v in values.values()):
            raise CommandError(f"accounts.json: the entry for {domain} is unreadable")
        return cls(domain, data["kind"], **values)

    def oauth(self) -> OAuthConfig:
        if not (self.client_id and self.client_secret and self.redirect_uri):
            raise CommandError(
                f"accounts.json: {self.domain} has no integration; run amocrm-async auth again",
                EXIT_NOT_AUTHORIZED,
            )
        return OAuthConfig(self.client_id, self.client_secret, self.redirect_uri)


class Config:
    """``accounts.json`` in the configuration directory, written atomically with mode 0600."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.path = directory / "accounts.json"
        self.default: str | None = None
        self.accounts: dict[str, AccountEntry] = {}
        if self.path.exists():
            self._read()

    def _read(self) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"{self.path}: unreadable ({type(exc).__name__})") from None
        if not isinstance(data, dict) or data.get("format") != _FORMAT:
            raise CommandError(f"{self.path}: not an accounts file of this version")
        accounts = data.get("accounts")
        if not isinstance(accounts, dict):
            raise CommandError(f"{self.path}: no accounts")
        self.accounts = {d: AccountEntry.from_json(d, v) for d, v in accounts.items()}
        default = data.get("default")
        self.default = default if isinstance(default, str) else None

    def save(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.chmod(self.directory, 0o700)
        data = {
            "format": _FORMAT,
            "default": self.default,
            "accounts": {d: e.to_json() for d, e in sorted(self.accounts.items())},
        }
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=2)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o600)
            os.replace(temporary, self.path)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise

    def put(self, entry: AccountEntry) -> None:
        self.accounts[entry.domain] = entry
        self.default = entry.domain
        self.save()

    def entry(self, domain: str | None) -> AccountEntry:
        """The account named (its host), or the default one."""
        if domain is not None:
            key = account_key(domain)
            found = self.accounts.get(key)
            if found is None:
                raise CommandError(
                    f"no token for {key} in {self.path}; run amocrm-async auth first",
                    EXIT_NOT_AUTHORIZED,
                )
            return found
        if self.default is None or self.default not in self.accounts:
            raise CommandError(
                f"no account in {self.path}; run amocrm-async auth first", EXIT_NOT_AUTHORIZED
            )
        return self.accounts[self.default]


def account_key(domain: str) -> str:
    try:
        return normalize_base_domain(domain, allow_any_host=True)
    except InvalidBaseDomainError as exc:
        raise UsageError(f"--domain: {exc}") from None


def redact(url: str | None) -> str:
    """A store URL without its password, for messages."""
    if not url:
        return "the file store"
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def open_store(url: str | None, directory: Path) -> TokenStore:
    """``None`` → the file store in the configuration directory; ``redis://`` (``rediss://``)
    → :class:`~amocrm_async.redis.RedisTokenStore`; ``postgresql://`` →
    :class:`~amocrm_async.postgres.PostgresTokenStore`; ``file:PATH`` or a path → a file store."""
    if url is None:
        return FileTokenStore(directory / "tokens")
    scheme = urlsplit(url).scheme
    try:
        if scheme in ("redis", "rediss", "unix"):
            from ..redis import RedisTokenStore

            return RedisTokenStore(url)
        if scheme in ("postgresql", "postgres"):
            from ..postgres import PostgresTokenStore

            return PostgresTokenStore(url)
    except ImportError as exc:
        extra = "redis" if scheme.startswith("redis") or scheme == "unix" else "postgres"
        raise UsageError(
            f"--store {scheme}://: needs the {extra} extra: pip install 'amocrm-async[{extra}]' "
            f"({exc.name} is missing)"
        ) from None
    if scheme == "file":
        return FileTokenStore(Path(urlsplit(url).path))
    if scheme:
        raise UsageError(
            f"--store: unknown scheme {scheme!r}; use redis://, postgresql://, file: or a path"
        )
    return FileTokenStore(Path(url).expanduser())


async def close_store(store: TokenStore) -> None:
    close = getattr(store, "aclose", None)
    if close is not None:
        await close()


@asynccontextmanager
async def open_client(
    entry: AccountEntry, directory: Path, *, rate: float, server: str | None = None
) -> AsyncIterator[AmoCRMClient]:
    """A client for the account: its OAuth pair from its store, or its long-lived token.
    ``server`` (or the one the account was authorised against) replaces the account host."""
    target = server or entry.server
    base = target or entry.domain
    allow_any_host = target is not None
    if entry.kind == "long-lived":
        assert entry.access_token is not None
        async with AmoCRMClient(
            base, access_token=entry.access_token, allow_any_host=allow_any_host, rate_limit=rate
        ) as amo:
            yield amo
        return
    store = open_store(entry.store, directory)
    try:
        async with AmoCRMClient(
            base,
            oauth=entry.oauth(),
            token_store=store,
            token_key=entry.domain,
            allow_any_host=allow_any_host,
            rate_limit=rate,
        ) as amo:
            yield amo
    finally:
        await close_store(store)
