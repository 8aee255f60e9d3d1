"""amoCRM in an aiohttp app: ``cleanup_ctx``, routes for OAuth, webhooks and the disconnect
hook, and one-time-token checks as a handler decorator (``pip install 'amocrm-async[aiohttp]'``).

::

    amo = AmoCRMIntegration(oauth=OAuthConfig(...), token_store=FileTokenStore("tokens"),
                            webhook_secret=SECRET, default_account="acme.amocrm.ru")
    app = web.Application()
    amo.setup(app)            # cleanup_ctx + routes + app[AMOCRM]

    @amo.event_handler
    async def on_event(event: WebhookEvent) -> None: ...

    @amo.require_widget_token
    async def widget(request: web.Request) -> web.Response:
        token = request[WIDGET_TOKEN]
        ...

See docs/aiohttp.md.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

try:
    from aiohttp import web
    from aiohttp.typedefs import Middleware
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise ImportError(
        "amocrm_async.integrations.aiohttp needs aiohttp: pip install 'amocrm-async[aiohttp]'"
    ) from exc

from .._one_time_tokens import DisposableToken
from ._core import STATE_COOKIE, STATE_MAX_AGE, BotRequest, IntegrationCore, IntegrationError

__all__ = ["AMOCRM", "BOT_REQUEST", "WIDGET_TOKEN", "AmoCRMIntegration", "BotRequest"]

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _request_key(name: str, kind: type[Any]) -> Any:
    """A typed request key where aiohttp has them (it warns about plain strings), else a str."""
    factory = getattr(web, "RequestKey", None)
    return factory(name, kind) if factory is not None else name


WIDGET_TOKEN: Any = _request_key("amocrm_widget_token", DisposableToken)
"""``request[WIDGET_TOKEN]``: the verified token, in a handler wrapped by
:meth:`AmoCRMIntegration.require_widget_token`."""
BOT_REQUEST: Any = _request_key("amocrm_bot_request", BotRequest)
"""``request[BOT_REQUEST]``: the verified bot request, under :meth:`require_bot_token`."""


def _refusal(exc: IntegrationError) -> web.Response:
    return web.json_response({"detail": exc.detail}, status=exc.status)


def _see_other(url: str) -> web.Response:
    return web.Response(status=303, headers={"Location": url})


async def _read_body(request: web.Request, limit: int) -> bytes:
    if request.content_length is not None and request.content_length > limit:
        raise IntegrationError(413, "the body is too large")
    body = bytearray()
    async for chunk in request.content.iter_chunked(65536):
        body += chunk
        if len(body) > limit:
            raise IntegrationError(413, "the body is too large")
    return bytes(body)


class AmoCRMIntegration(IntegrationCore):
    """:class:`~amocrm_async.integrations.IntegrationCore` with aiohttp's idioms.

    :meth:`cleanup_ctx` owns the clients and the background handlers; :meth:`routes` serves
    the OAuth login, callback and disconnect hook and the webhook receiver;
    :meth:`require_widget_token` / :meth:`require_bot_token` guard your handlers.
    """

    async def cleanup_ctx(self, app: web.Application) -> AsyncIterator[None]:
        """``app.cleanup_ctx.append(amo.cleanup_ctx)``: run while the app runs."""
        async with self.running():
            yield

    def setup(self, app: web.Application) -> None:
        """Install :meth:`cleanup_ctx`, :meth:`routes` and ``app[AMOCRM] = self``."""
        app[AMOCRM] = self
        app.cleanup_ctx.append(self.cleanup_ctx)
        app.add_routes(self.routes())

    def routes(self) -> list[web.RouteDef]:
        """Routes under ``prefix`` (``/amocrm``), as in the FastAPI integration."""
        base = self.prefix
        return [
            web.get(f"{base}/oauth/login", self._login),
            web.get(f"{base}/oauth/callback", self._callback),
            web.get(f"{base}/oauth/disconnect", self._disconnect),
            *(
                route
                for slash in ("", "/")  # Kommo asks for a trailing slash on destinations
                for route in (
                    web.post(f"{base}/webhook/{{token}}{slash}", self._webhook),
                    web.post(
                        f"{base}/webhook/{{account_id}}/{{signature}}{slash}", self._signed_webhook
                    ),
                )
            ),
        ]

    async def widget_token(self, request: web.Request) -> DisposableToken:
        """Verify the request's ``X-Auth-Token`` (raises IntegrationError)."""
        return await self.verify_widget_token(request.headers.get("X-Auth-Token"))

    async def bot_request(self, request: web.Request) -> BotRequest:
        """Verify a Salesbot ``widget_request`` body (raises IntegrationError)."""
        body = await _read_body(request, self.webhook_limits.max_body_bytes)
        return await self.verify_bot_body(body, request.headers.get("Content-Type"))

    def require_widget_token(self, handler: Handler) -> Handler:
        """Wrap a handler: 401/403 unless its request carries a fresh, unused widget token,
        which the handler finds in ``request[WIDGET_TOKEN]``."""

        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                request[WIDGET_TOKEN] = await self.widget_token(request)
            except IntegrationError as exc:
                return _refusal(exc)
            return await handler(request)

        return guarded

    def require_bot_token(self, handler: Handler) -> Handler:
        """Wrap a handler: 401/403 unless the body is a valid Salesbot request, which the
        handler finds in ``request[BOT_REQUEST]``."""

        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                request[BOT_REQUEST] = await self.bot_request(request)
            except IntegrationError as exc:
                return _refusal(exc)
            return await handler(request)

        return guarded

    def widget_middleware(self, *, prefix: str) -> Middleware:
        """A middleware requiring a valid, unused widget token on every path under ``prefix``
        (``request[WIDGET_TOKEN]`` for the handler); CORS preflights (``OPTIONS``) pass."""
        if not prefix.startswith("/"):
            raise ValueError("prefix must start with '/'")

        @web.middleware
        async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
            if request.method != "OPTIONS" and request.path.startswith(prefix):
                try:
                    request[WIDGET_TOKEN] = await self.widget_token(request)
                except IntegrationError as exc:
                    return _refusal(exc)
            return await handler(request)

        return middleware

    async def _login(self, request: web.Request) -> web.StreamResponse:
        mode = request.query.get("mode")
        if mode not in (None, "popup", "post_message"):
            return _refusal(IntegrationError(400, "mode is 'popup' or 'post_message'"))
        url, cookie = self.login("post_message" if mode == "post_message" else None)
        response = _see_other(url)
        response.set_cookie(
            STATE_COOKIE,
            cookie,
            max_age=STATE_MAX_AGE,
            path=self.oauth_path,
            secure=self.cookie_secure,
            httponly=True,
            samesite="Lax",
        )
        return response

    async def _callback(self, request: web.Request) -> web.StreamResponse:
        response: web.StreamResponse
        try:
            _, callback = await self.complete_login(
                request.query_string, request.cookies.get(STATE_COOKIE)
            )
        except IntegrationError as exc:
            response = _refusal(exc)
        else:
            if self.success_url is not None:
                response = _see_other(self.success_url)
            else:
                response = web.json_response(
                    {"status": "authorized", "account": callback.base_domain}
                )
        response.del_cookie(STATE_COOKIE, path=self.oauth_path)
        return response

    async def _disconnect(self, request: web.Request) -> web.StreamResponse:
        try:
            account_id = await self.disconnect(request.query)
        except IntegrationError as exc:
            return _refusal(exc)
        return web.json_response({"status": "disconnected", "account_id": account_id})

    async def _webhook(self, request: web.Request) -> web.StreamResponse:
        try:
            self.check_webhook_token(request.match_info["token"])
            return await self._receive(request, None)
        except IntegrationError as exc:
            return _refusal(exc)

    async def _signed_webhook(self, request: web.Request) -> web.StreamResponse:
        try:
            signed_for = self.check_webhook_signature(
                request.match_info["account_id"], request.match_info["signature"]
            )
            return await self._receive(request, signed_for)
        except IntegrationError as exc:
            return _refusal(exc)

    async def _receive(self, request: web.Request, signed_for: int | None) -> web.Response:
        body = await _read_body(request, self.webhook_limits.max_body_bytes)
        payload = self.accept_webhook(
            body, request.headers.get("Content-Type"), signed_for=signed_for
        )
        return web.json_response({"status": "accepted", "events": len(payload.events)})


AMOCRM = web.AppKey("amocrm", AmoCRMIntegration)
"""``request.app[AMOCRM]``: the integration :meth:`AmoCRMIntegration.setup` installed."""
