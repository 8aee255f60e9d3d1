"""amoCRM in a FastAPI app: lifespan, client dependency, OAuth/webhook/disconnect routes and
one-time-token dependencies (install with ``pip install 'amocrm-async[fastapi]'``).

::

    amo = AmoCRMIntegration(oauth=OAuthConfig(...), token_store=FileTokenStore("tokens"),
                            webhook_secret=SECRET, default_account="acme.amocrm.ru")
    app = FastAPI(lifespan=amo.lifespan)
    app.include_router(amo.router())

    @amo.event_handler
    async def on_event(event: WebhookEvent) -> None: ...

    @app.get("/lead/{lead_id}")
    async def lead(lead_id: int, client: AmoCRMClient = Depends(amo.current_client)): ...

See docs/fastapi.md.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

try:
    from fastapi import APIRouter, Header, HTTPException, Request
    from fastapi.responses import JSONResponse, RedirectResponse, Response
except ImportError as exc:  # pragma: no cover - exercised without the extra installed
    raise ImportError(
        "amocrm_async.integrations.fastapi needs FastAPI: pip install 'amocrm-async[fastapi]'"
    ) from exc

from .._client import AmoCRMClient
from .._one_time_tokens import DisposableToken
from ._core import STATE_COOKIE, STATE_MAX_AGE, BotRequest, IntegrationCore, IntegrationError

__all__ = ["AmoCRMIntegration", "BotRequest"]


def _http(exc: IntegrationError) -> HTTPException:
    return HTTPException(status_code=exc.status, detail=exc.detail)


async def _read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed ``limit``."""
    length = request.headers.get("content-length", "")
    if length.isdecimal() and int(length) > limit:
        raise HTTPException(status_code=413, detail="the body is too large")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise HTTPException(status_code=413, detail="the body is too large")
    return bytes(body)


class AmoCRMIntegration(IntegrationCore):
    """:class:`~amocrm_async.integrations.IntegrationCore` with FastAPI's idioms.

    ``lifespan`` owns the clients and the background handlers, ``router()`` serves the OAuth
    login, callback and disconnect hook and the webhook receiver, and ``current_client``,
    ``widget_token`` and ``bot_request`` are dependencies.
    """

    @asynccontextmanager
    async def lifespan(self, app: Any = None) -> AsyncIterator[None]:
        """``FastAPI(lifespan=amo.lifespan)``; or enter it from your own lifespan."""
        async with self.running():
            yield

    async def current_client(self) -> AsyncIterator[AmoCRMClient]:
        """Dependency: the client of ``default_account`` (shared, closed by the lifespan)."""
        try:
            client = self.client()
        except (RuntimeError, ValueError) as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from None
        yield client

    async def widget_token(
        self, x_auth_token: Annotated[str | None, Header()] = None
    ) -> DisposableToken:
        """Dependency: the verified ``X-Auth-Token`` of a widget request (401 if invalid or
        already used, 403 if from an account the app does not serve)."""
        try:
            return await self.verify_widget_token(x_auth_token)
        except IntegrationError as exc:
            raise _http(exc) from None

    async def bot_request(self, request: Request) -> BotRequest:
        """Dependency: a verified Salesbot ``widget_request`` (JSON ``{token, data,
        return_url}``, or the same as a form)."""
        body = await _read_body(request, self.webhook_limits.max_body_bytes)
        try:
            return await self.verify_bot_body(body, request.headers.get("content-type"))
        except IntegrationError as exc:
            raise _http(exc) from None

    def router(self) -> APIRouter:
        """Routes under ``prefix`` (``/amocrm``): ``GET /oauth/login``, ``GET /oauth/callback``,
        ``GET /oauth/disconnect``, ``POST /webhook/{token}`` and
        ``POST /webhook/{account_id}/{signature}``."""
        router = APIRouter(prefix=self.prefix, tags=["amoCRM"])
        router.add_api_route("/oauth/login", self._login, methods=["GET"])
        router.add_api_route("/oauth/callback", self._callback, methods=["GET"])
        router.add_api_route("/oauth/disconnect", self._disconnect, methods=["GET"])
        for slash in ("", "/"):  # Kommo asks for a trailing slash; never answer it with a 307
            for path, endpoint in (
                ("/webhook/{token}", self._webhook),
                ("/webhook/{account_id}/{signature}", self._signed_webhook),
            ):
                router.add_api_route(
                    path + slash, endpoint, methods=["POST"], include_in_schema=not slash
                )
        return router

    async def _login(self, mode: str | None = None) -> Response:
        if mode not in (None, "popup", "post_message"):
            raise HTTPException(status_code=400, detail="mode is 'popup' or 'post_message'")
        url, cookie = self.login("post_message" if mode == "post_message" else None)
        response = RedirectResponse(url, status_code=303)
        response.set_cookie(
            STATE_COOKIE,
            cookie,
            max_age=STATE_MAX_AGE,
            path=self.oauth_path,
            secure=self.cookie_secure,
            httponly=True,
            samesite="lax",
        )
        return response

    async def _callback(self, request: Request) -> Response:
        try:
            _, callback = await self.complete_login(
                request.url.query, request.cookies.get(STATE_COOKIE)
            )
        except IntegrationError as exc:
            response: Response = JSONResponse({"detail": exc.detail}, status_code=exc.status)
        else:
            if self.success_url is not None:
                response = RedirectResponse(self.success_url, status_code=303)
            else:
                response = JSONResponse({"status": "authorized", "account": callback.base_domain})
        response.delete_cookie(STATE_COOKIE, path=self.oauth_path)
        return response

    async def _disconnect(self, request: Request) -> Response:
        try:
            account_id = await self.disconnect(request.query_params)
        except IntegrationError as exc:
            raise _http(exc) from None
        return JSONResponse({"status": "disconnected", "account_id": account_id})

    async def _webhook(self, token: str, request: Request) -> Response:
        try:
            self.check_webhook_token(token)
        except IntegrationError as exc:
            raise _http(exc) from None
        return await self._receive(request, None)

    async def _signed_webhook(self, account_id: str, signature: str, request: Request) -> Response:
        try:
            signed_for = self.check_webhook_signature(account_id, signature)
        except IntegrationError as exc:
            raise _http(exc) from None
        return await self._receive(request, signed_for)

    async def _receive(self, request: Request, signed_for: int | None) -> Response:
        body = await _read_body(request, self.webhook_limits.max_body_bytes)
        try:
            payload = self.accept_webhook(
                body, request.headers.get("content-type"), signed_for=signed_for
            )
        except IntegrationError as exc:
            raise _http(exc) from None
        return JSONResponse({"status": "accepted", "events": len(payload.events)})
