"""Where token pairs live between requests and between processes.

amoCRM rotates the refresh token on every refresh, so two workers that refresh from the same
pair break each other's chain. A :class:`TokenStore` gives :class:`~amocrm_async.RefreshingAuth`
the three things it needs to refresh exactly once across processes:

* ``load(key)`` — the current pair, the account's base domain beside it, and a version;
* ``compare_and_set(key, expected_version, token, base_domain)`` — write only if nobody wrote
  since ``expected_version`` was read (``None`` = only if nothing is stored yet); returns the new
  record, or ``None`` if someone else saved first;
* ``lock(key)`` — a lock held around read → refresh → save, shared by every process that
  refreshes the same account.

The lock keeps refreshes from overlapping; the version check is the fence for everything the
lock cannot promise (an expired lock, a writer that ignores it).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable
from urllib.parse import quote

import anyio
import anyio.lowlevel
import anyio.to_thread

from ._tokens import OAuthToken
from .errors import TokenStoreError, TokenStoreLockTimeoutError

try:
    import fcntl
except ImportError:  # pragma: no cover - non-POSIX platforms
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileTokenStore", "MemoryTokenStore", "StoredToken", "TokenStore"]

_FORMAT = 1


@dataclass(frozen=True, slots=True)
class StoredToken:
    """A stored pair, the account host it belongs to, and the store's version counter.

    ``version`` starts at 1 and grows by one with every successful compare-and-set.
    """

    token: OAuthToken
    base_domain: str
    version: int


@runtime_checkable
class TokenStore(Protocol):
    """Persistence for token pairs, keyed by a caller-chosen account key."""

    async def load(self, key: str) -> StoredToken | None:
        """The record stored under ``key``, or None."""
        ...

    async def compare_and_set(
        self,
        key: str,
        expected_version: int | None,
        token: OAuthToken,
        base_domain: str,
    ) -> StoredToken | None:
        """Store the pair if the current version is ``expected_version`` (None: nothing stored).

        Returns the new record (version + 1), or None if another writer got there first.
        Must be atomic with respect to every other writer of ``key``.
        """
        ...

    def lock(self, key: str) -> AbstractAsyncContextManager[None]:
        """An exclusive lock on ``key`` shared by all processes using this store.

        Held around read → refresh → save; should give up with an error after a bounded wait.
        """
        ...


class MemoryTokenStore:
    """A single-process store: a dict, and an anyio lock per key.

    Enough when one process owns the account; several clients in that process can share it.
    """

    def __init__(self) -> None:
        self._records: dict[str, StoredToken] = {}
        self._locks: dict[str, anyio.Lock] = {}

    async def load(self, key: str) -> StoredToken | None:
        await anyio.lowlevel.checkpoint()
        return self._records.get(key)

    async def compare_and_set(
        self,
        key: str,
        expected_version: int | None,
        token: OAuthToken,
        base_domain: str,
    ) -> StoredToken | None:
        await anyio.lowlevel.checkpoint()
        current = self._records.get(key)
        if (current.version if current is not None else None) != expected_version:
            return None
        record = StoredToken(token, base_domain, (expected_version or 0) + 1)
        self._records[key] = record
        return record

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = anyio.Lock()
        async with lock:
            yield

    async def delete(self, key: str) -> None:
        """Forget the pair (e.g. after the integration was uninstalled)."""
        await anyio.lowlevel.checkpoint()
        self._records.pop(key, None)

    def __repr__(self) -> str:
        return f"MemoryTokenStore(keys={sorted(self._records)!r})"


def _file_stem(key: str) -> str:
    if not isinstance(key, str) or not key:
        raise ValueError("the store key must be a non-empty string")
    stem = quote(key, safe="").replace(".", "%2E")
    if len(stem) > 200:
        raise ValueError("the store key is too long for a file name")
    return stem


def _encode_record(key: str, record: StoredToken) -> bytes:
    data = {
        "format": _FORMAT,
        "key": key,
        "version": record.version,
        "base_domain": record.base_domain,
        "token": record.token.to_dict(),
    }
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def _decode_record(key: str, raw: bytes, path: Path) -> StoredToken:
    def corrupt(reason: str) -> TokenStoreError:
        return TokenStoreError(f"token file {path} is unusable: {reason}")

    try:
        data: Any = json.loads(raw)
    except ValueError:
        raise corrupt("not valid JSON") from None
    if not isinstance(data, dict) or data.get("format") != _FORMAT:
        raise corrupt(f"not a format-{_FORMAT} token record")
    if data.get("key") != key:
        raise corrupt("it belongs to a different key")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise corrupt("bad version")
    base_domain = data.get("base_domain")
    if not isinstance(base_domain, str) or not base_domain:
        raise corrupt("bad base_domain")
    token_data = data.get("token")
    if not isinstance(token_data, dict):
        raise corrupt("bad token")
    try:
        token = OAuthToken.from_dict(token_data)
    except ValueError as exc:
        raise corrupt(str(exc)) from None
    return StoredToken(token, base_domain, version)


def _fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _try_flock(fd: int) -> bool:
    assert fcntl is not None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


class FileTokenStore:
    """A store in a directory, one JSON file per key, safe across processes on one host.

    Layout, for a key ``K`` (percent-encoded into a file name, dots included):

    * ``K.json`` — ``{"format": 1, "key", "version", "base_domain", "token": {...}}``, mode 0600;
      replaced atomically (temporary file in the same directory, fsync, ``os.replace``, fsync of
      the directory), so a crash leaves either the old or the new pair, never a torn one;
    * ``K.lock`` — ``fcntl.flock`` target of :meth:`lock` (the refresh lock);
    * ``K.write.lock`` — ``flock`` target held only inside :meth:`compare_and_set`.

    The directory is created with mode 0700 if missing. Locks are polled with non-blocking
    ``flock`` calls in a worker thread, so the event loop never blocks and a wait can time out
    (:class:`~amocrm_async.errors.TokenStoreLockTimeoutError`). The OS releases a lock when its
    holder dies. POSIX only; use a database-backed store across hosts (see docs/auth.md).
    """

    def __init__(self, directory: str | os.PathLike[str], *, lock_timeout: float = 30.0) -> None:
        if fcntl is None:  # pragma: no cover - non-POSIX platforms
            raise RuntimeError("FileTokenStore needs fcntl.flock (POSIX)")
        if lock_timeout <= 0:
            raise ValueError("lock_timeout must be positive")
        self._directory = Path(directory)
        self._lock_timeout = float(lock_timeout)
        self._local_locks: dict[tuple[str, str], anyio.Lock] = {}

    @property
    def directory(self) -> Path:
        return self._directory

    def token_path(self, key: str) -> Path:
        """The JSON file holding ``key``'s pair."""
        return self._directory / f"{_file_stem(key)}.json"

    def lock_path(self, key: str) -> Path:
        """The file :meth:`lock` takes an exclusive ``flock`` on."""
        return self._directory / f"{_file_stem(key)}.lock"

    def _write_lock_path(self, key: str) -> Path:
        return self._directory / f"{_file_stem(key)}.write.lock"

    async def load(self, key: str) -> StoredToken | None:
        path = self.token_path(key)
        return await anyio.to_thread.run_sync(self._load_sync, key, path)

    async def compare_and_set(
        self,
        key: str,
        expected_version: int | None,
        token: OAuthToken,
        base_domain: str,
    ) -> StoredToken | None:
        path = self.token_path(key)
        async with self._flock("write", key, self._write_lock_path(key)):
            return await anyio.to_thread.run_sync(
                self._compare_and_set_sync, key, path, expected_version, token, base_domain
            )

    @asynccontextmanager
    async def lock(self, key: str) -> AsyncIterator[None]:
        async with self._flock("refresh", key, self.lock_path(key)):
            yield

    async def delete(self, key: str) -> None:
        """Remove the pair (e.g. after the integration was uninstalled)."""
        path = self.token_path(key)
        async with self._flock("write", key, self._write_lock_path(key)):
            await anyio.to_thread.run_sync(self._delete_sync, path)

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self._directory)!r})"

    # -- blocking helpers, always run in a worker thread

    def _load_sync(self, key: str, path: Path) -> StoredToken | None:
        try:
            raw = path.read_bytes()
        except FileNotFoundError:
            return None
        return _decode_record(key, raw, path)

    def _compare_and_set_sync(
        self,
        key: str,
        path: Path,
        expected_version: int | None,
        token: OAuthToken,
        base_domain: str,
    ) -> StoredToken | None:
        current = self._load_sync(key, path)
        if (current.version if current is not None else None) != expected_version:
            return None
        record = StoredToken(token, base_domain, (expected_version or 0) + 1)
        self._replace_atomically(path, _encode_record(key, record))
        return record

    def _replace_atomically(self, path: Path, data: bytes) -> None:
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        fd = os.open(
            temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600
        )
        try:
            try:
                os.fchmod(fd, 0o600)
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view) :]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temporary)
            raise
        _fsync_directory(self._directory)

    def _delete_sync(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            _fsync_directory(self._directory)

    def _open_lock_file(self, path: Path) -> int:
        self._directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)

    # -- locking

    @asynccontextmanager
    async def _flock(self, kind: str, key: str, path: Path) -> AsyncIterator[None]:
        """Same-process waiters queue on an anyio lock; processes contend on ``flock``."""
        assert fcntl is not None
        deadline = time.monotonic() + self._lock_timeout
        local = self._local_locks.get((kind, key))
        if local is None:
            local = self._local_locks[(kind, key)] = anyio.Lock()
        try:
            with anyio.fail_after(self._lock_timeout):
                await local.acquire()
        except TimeoutError:
            raise self._timeout(kind, key) from None
        try:
            with anyio.CancelScope(shield=True):
                fd = await anyio.to_thread.run_sync(self._open_lock_file, path)
            try:
                delay = 0.002
                while not await anyio.to_thread.run_sync(_try_flock, fd):
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        raise self._timeout(kind, key)
                    await anyio.sleep(min(delay, remaining))
                    delay = min(delay * 2, 0.05)
                try:
                    yield
                finally:
                    fcntl.flock(fd, fcntl.LOCK_UN)
            finally:
                os.close(fd)
        finally:
            local.release()

    def _timeout(self, kind: str, key: str) -> TokenStoreLockTimeoutError:
        return TokenStoreLockTimeoutError(
            f"could not take the {kind} lock for key {key!r} in {self._directory} "
            f"within {self._lock_timeout:g} s"
        )
