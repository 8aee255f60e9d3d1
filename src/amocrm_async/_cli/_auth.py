"""``amocrm-async auth``: the OAuth code flow on a local redirect listener, a long-lived token,
and ``auth status``.

The integration's redirect URI must be a loopback ``http://`` URL (``http://127.0.0.1:8765/cb``):
this command listens there, prints the authorize URL (and opens a browser unless told not to),
checks ``state`` on the way back (a redirect with another state is answered 400 and ignored),
exchanges the code with :meth:`~amocrm_async.AmoCRMClient.authorize`, and stores the pair in the
token store. It then reads the account and the user, and prints who and which account — never
a token.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

import anyio
import anyio.abc

from .._auth import decode_jwt_claims
from .._client import AmoCRMClient
from .._oauth import (
    OAuthCallback,
    OAuthConfig,
    authorization_url,
    generate_state,
    parse_oauth_callback,
)
from ..errors import (
    AmoCRMError,
    AuthorizationCallbackError,
    AuthorizationDeniedError,
    OAuthStateMismatchError,
    ReauthorizationRequiredError,
    UnauthorizedError,
)
from ._account import (
    AccountEntry,
    Config,
    account_key,
    close_store,
    open_client,
    open_store,
    redact,
)
from ._args import EXIT_ERROR, EXIT_NOT_AUTHORIZED, CommandError, UsageError

__all__ = ["run_auth", "run_long_lived", "run_status"]

_LOOPBACK = {"127.0.0.1", "localhost", "::1"}
_MAX_REQUEST = 16_384

Browser = Callable[[str], object]


def _env(value: str | None, name: str, option: str) -> str:
    found = value or os.environ.get(name)
    if not found:
        raise UsageError(f"{option} is required (or set {name})")
    return found


def _loopback_target(redirect_uri: str) -> tuple[str, int, str]:
    parts = urlsplit(redirect_uri)
    if parts.scheme != "http" or parts.hostname not in _LOOPBACK or not parts.port:
        raise UsageError(
            "--redirect-uri must be a loopback URL with a port that this command can listen "
            f"on, such as http://127.0.0.1:8765/callback; got {redirect_uri!r}"
        )
    return parts.hostname, parts.port, parts.path or "/"


@dataclass
class _Waiter:
    """Takes redirect hits until one carries this session's state."""

    path: str
    state: str
    config: OAuthConfig
    allow_any_host: bool
    err: TextIO
    callback: OAuthCallback | None = None
    failure: CommandError | None = None

    def answer(self, target: str) -> tuple[int, str]:
        parts = urlsplit(target)
        if parts.path != self.path:
            return 404, "Not the redirect URI of this authorisation."
        try:
            self.callback = parse_oauth_callback(
                parts.query,
                expected_state=self.state,
                client_id=self.config.client_id,
                allow_any_host=self.allow_any_host,
            )
        except OAuthStateMismatchError:
            self.err.write("ignored a redirect whose state does not match this session\n")
            return 400, "This redirect does not belong to this authorisation (state mismatch)."
        except AuthorizationDeniedError:
            self.failure = CommandError("the account admin declined the authorisation")
            return 200, "Authorisation declined. You can close this tab."
        except AuthorizationCallbackError as exc:
            self.failure = CommandError(f"the redirect back is unusable: {exc}")
            return 400, "The redirect back is unusable; see the terminal."
        return 200, "Authorised. You can close this tab and return to the terminal."

    @property
    def done(self) -> bool:
        return self.callback is not None or self.failure is not None


async def _serve_one(stream: anyio.abc.ByteStream, waiter: _Waiter, done: anyio.Event) -> None:
    async with stream:
        data = b""
        with anyio.move_on_after(10):
            while b"\r\n\r\n" not in data and len(data) < _MAX_REQUEST:
                chunk = await stream.receive()
                if not chunk:
                    break
                data += chunk
        line = data.split(b"\r\n", 1)[0].decode("latin-1")
        method, _, rest = line.partition(" ")
        target = rest.rsplit(" ", 1)[0] if " " in rest else rest
        if method != "GET" or not target.startswith("/"):
            status, text = 400, "Expected the browser's GET of the redirect URI."
        elif waiter.done:
            status, text = 410, "This authorisation is already finished."
        else:
            status, text = waiter.answer(target)
        body = f"<!doctype html><title>amocrm-async</title><p>{text}</p>\n".encode()
        head = (
            f"HTTP/1.1 {status} {'OK' if status == 200 else 'Error'}\r\n"
            "Content-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        with contextlib.suppress(anyio.BrokenResourceError, anyio.ClosedResourceError):
            await stream.send(head + body)
        if waiter.done:
            done.set()


async def _wait_for_redirect(
    listener: anyio.abc.Listener[anyio.abc.SocketStream], waiter: _Waiter, timeout: float
) -> OAuthCallback:
    done = anyio.Event()

    async def handle(stream: anyio.abc.SocketStream) -> None:
        await _serve_one(stream, waiter, done)

    try:
        with anyio.move_on_after(timeout) as scope:
            async with anyio.create_task_group() as tg:
                tg.start_soon(listener.serve, handle)
                await done.wait()
                tg.cancel_scope.cancel()
    finally:
        await listener.aclose()
    if scope.cancelled_caught and not waiter.done:
        raise CommandError(f"no redirect back within {timeout:g} s; nothing was stored")
    if waiter.failure is not None:
        raise waiter.failure
    assert waiter.callback is not None
    return waiter.callback


async def _who(amo: AmoCRMClient) -> dict[str, Any]:
    account = await amo.account.get_current()
    user: dict[str, Any] = {"id": account.current_user_id}
    if account.current_user_id is not None:
        found = await amo.users.get_one(account.current_user_id)
        user = {"id": found.id, "name": found.name, "email": found.email}
    return {
        "account": {"id": account.id, "name": account.name, "subdomain": account.subdomain},
        "user": user,
    }


def _say_who(out: TextIO, as_json: bool, who: dict[str, Any], extra: dict[str, Any]) -> None:
    if as_json:
        out.write(json.dumps({**who, **extra}, ensure_ascii=False) + "\n")
        return
    user, account = who["user"], who["account"]
    person = user.get("name") or f"user {user.get('id')}"
    email = f" <{user['email']}>" if user.get("email") else ""
    out.write(
        f"{extra.get('verb', 'authorised')}: {person}{email} (user {user.get('id')}) in account "
        f"{account.get('name')!s} (id {account.get('id')}, {extra['domain']}); "
        f"{extra['where']}\n"
    )


async def run_auth(
    args: argparse.Namespace,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    browser: Browser = webbrowser.open,
) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    try:
        config = OAuthConfig(
            _env(args.client_id, "AMOCRM_CLIENT_ID", "--client-id"),
            _env(args.client_secret, "AMOCRM_CLIENT_SECRET", "--client-secret"),
            _env(args.redirect_uri, "AMOCRM_REDIRECT_URI", "--redirect-uri"),
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    host, port, path = _loopback_target(config.redirect_uri)
    directory = Path(args.config_dir)
    state = generate_state()
    url = authorization_url(config, state=state, mode="popup", kommo=args.kommo)
    if args.server:
        url = f"{args.server.rstrip('/')}/oauth?{url.split('?', 1)[1]}"
    try:
        listener = await anyio.create_tcp_listener(local_host=host, local_port=port)
    except OSError as exc:
        message = f"cannot listen on {host}:{port} for the redirect: {exc.strerror}"
        raise CommandError(message) from None
    err.write(f"Open this URL in a browser to authorise the integration:\n{url}\n")
    err.write(f"waiting for the redirect to {config.redirect_uri} ...\n")
    err.flush()
    if not args.no_browser:
        browser(url)
    waiter = _Waiter(path, state, config, bool(args.server), err)
    callback = await _wait_for_redirect(listener, waiter, args.timeout)
    domain = callback.base_domain
    store = open_store(args.store, directory)
    try:
        if hasattr(store, "create_tables"):
            await store.create_tables()
        async with AmoCRMClient(
            args.server or domain,
            oauth=config,
            token_store=store,
            token_key=domain,
            allow_any_host=bool(args.server),
        ) as amo:
            try:
                await amo.authorize(callback.code)
            except ValueError as exc:
                raise CommandError(str(exc)) from None
            who = await _who(amo)
    finally:
        await close_store(store)
    settings = Config(directory)
    settings.put(
        AccountEntry(
            domain,
            "oauth",
            server=args.server,
            client_id=config.client_id,
            client_secret=config.client_secret,
            redirect_uri=config.redirect_uri,
            store=args.store,
        )
    )
    where = f"token pair stored in {redact(args.store)}" + (
        f" ({directory / 'tokens'})" if args.store is None else ""
    )
    _say_who(out, args.json, who, {"domain": domain, "where": where, "kind": "oauth"})
    return 0


async def run_long_lived(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Check a long-lived token against the account, then keep it in ``accounts.json``."""
    out = out or sys.stdout
    token = args.long_lived
    if token == "-":
        token = sys.stdin.readline().strip()
    domain = args.domain
    if domain is None:
        try:
            domain = decode_jwt_claims(token).get("base_domain")
        except ValueError:
            domain = None
        if not isinstance(domain, str):
            raise UsageError("--domain is required: the token does not name its account")
    entry = AccountEntry(account_key(domain), "long-lived", server=args.server, access_token=token)
    directory = Path(args.config_dir)
    async with open_client(entry, directory, rate=7.0) as amo:
        try:
            who = await _who(amo)
        except UnauthorizedError:
            raise CommandError(
                f"{entry.domain} refused the token; nothing was stored", EXIT_NOT_AUTHORIZED
            ) from None
    settings = Config(directory)
    settings.put(entry)
    where = f"long-lived token stored in {settings.path} (mode 0600)"
    _say_who(out, args.json, who, {"domain": entry.domain, "where": where, "kind": "long-lived"})
    return 0


async def run_status(args: argparse.Namespace, *, out: TextIO | None = None) -> int:
    """Every known account (or ``--domain``): whether its token works, and whose it is."""
    out = out or sys.stdout
    directory = Path(args.config_dir)
    settings = Config(directory)
    entries = [settings.entry(args.domain)] if args.domain else list(settings.accounts.values())
    if not entries:
        raise CommandError(
            f"no account in {settings.path}; run amocrm-async auth first", EXIT_NOT_AUTHORIZED
        )
    worst = 0
    for entry in entries:
        report: dict[str, Any] = {"domain": entry.domain, "kind": entry.kind}
        report["default"] = entry.domain == settings.default
        if entry.kind == "oauth":
            report["store"] = redact(entry.store)
            store = open_store(entry.store, directory)
            try:
                stored = await store.load(entry.domain)
            finally:
                await close_store(store)
            if stored is not None:
                report["access_token_expires_at"] = int(stored.token.expires_at)
        try:
            async with open_client(entry, directory, rate=7.0, server=args.server) as amo:
                report.update(await _who(amo))
            report["ok"] = True
        except (ReauthorizationRequiredError, UnauthorizedError) as exc:
            report.update(ok=False, error=str(exc))
            worst = max(worst, EXIT_NOT_AUTHORIZED)
        except AmoCRMError as exc:
            report.update(ok=False, error=str(exc))
            worst = max(worst, EXIT_ERROR)
        _status_line(out, args.json, report)
    return worst


def _status_line(out: TextIO, as_json: bool, report: dict[str, Any]) -> None:
    if as_json:
        out.write(json.dumps(report, ensure_ascii=False) + "\n")
        return
    mark = "*" if report["default"] else " "
    if not report["ok"]:
        out.write(f"{mark} {report['domain']} ({report['kind']}): NOT USABLE: {report['error']}\n")
        return
    user, account = report["user"], report["account"]
    expiry = report.get("access_token_expires_at")
    expires = f", access token valid until {expiry} (unix)" if expiry else ""
    out.write(
        f"{mark} {report['domain']} ({report['kind']}): ok, {user.get('name')} (user "
        f"{user.get('id')}) in {account.get('name')} (id {account.get('id')}){expires}\n"
    )
