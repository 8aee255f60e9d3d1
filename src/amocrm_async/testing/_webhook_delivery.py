"""``fake.webhooks``: posting the queued webhooks, with amoCRM's retry rule, on the fake's clock.

Writes through the API queue deliveries (see :mod:`.resources.webhooks`); the sender posts them
to an ASGI app in-process (``fake.deliver_webhooks_to(app)`` or :meth:`WebhookSender.route`) or
over HTTP to a loopback destination, never to another host. As amoCRM does, an attempt counts
as failed when the answer is outside 100-299 or takes longer than two seconds; a failed
delivery is retried on :attr:`WebhookSender.retry_schedule` (sleeping on the fake's clock, so
a :class:`~amocrm_async.VirtualClock` makes the hours pass at once), and a subscription with
more than 100 failures within two hours is disabled. Every delivery and attempt is recorded.

Either drive it from the test (``await fake.webhooks.flush()`` sends everything queued,
retries included, also what the receiver's own writes queue) or let it run in the background
(``async with fake.webhooks.running(): ...``), which is what a served fake needs.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import AbstractContextManager, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import anyio
import anyio.abc
import httpx

from amocrm_async._clock import Clock
from amocrm_async.models.webhooks import WebhookEventCode, check_destination
from amocrm_async.testing._asgi import ASGIApp
from amocrm_async.testing._state import Account, IdAllocator
from amocrm_async.testing.resources.users import admin_of
from amocrm_async.testing.resources.webhooks import (
    Outgoing,
    Subscription,
    queued,
    subscribe,
    subscription_json,
    subscriptions_of,
    take_outgoing,
    unsubscribe,
)
from amocrm_async.webhooks import encode_webhook_form

__all__ = [
    "DEFAULT_RETRY_SCHEDULE",
    "FORM_CONTENT_TYPE",
    "WebhookAttempt",
    "WebhookDelivery",
    "WebhookSender",
]

DEFAULT_RETRY_SCHEDULE: tuple[float, ...] = (300.0, 900.0, 1800.0, 3600.0)
"""Seconds before each retry. amoCRM retries "on a fixed schedule" whose values are not
confirmed (protocol.md §7, a gap): this one — 5 min, 15 min, 30 min, 1 h — is an assumption;
set :attr:`WebhookSender.retry_schedule` to model another."""
RESPONSE_DEADLINE = 2.0
"""amoCRM waits two seconds for an answer."""
DISABLE_AFTER = 100
DISABLE_WINDOW = 2 * 3600.0
FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
_LOOPBACK_NAMES = frozenset({"localhost"})


@dataclass(frozen=True, slots=True)
class WebhookAttempt:
    """One POST of a delivery: its number (1 = first), when (clock UNIX time) and outcome."""

    number: int
    at: float
    status: int | None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 100 <= self.status <= 299


@dataclass(slots=True, eq=False)
class WebhookDelivery:
    """One webhook the fake sends: a body for one subscription, and its attempts."""

    id: int
    webhook_id: int
    destination: str
    account: str
    """Base domain of the account that changed."""
    events: tuple[str, ...]
    """Event codes in the body (``("add_lead", "add_unsorted")``)."""
    body: bytes
    content_type: str = FORM_CONTENT_TYPE
    attempts: list[WebhookAttempt] = field(default_factory=list)
    state: Literal["pending", "delivered", "failed", "cancelled"] = "pending"
    """``failed``: retries exhausted; ``cancelled``: unsubscribed or disabled meanwhile."""

    @property
    def delivered(self) -> bool:
        return self.state == "delivered"

    def form(self) -> list[tuple[str, str]]:
        """The body decoded into its ``(key, value)`` pairs."""
        return parse_qsl(self.body.decode("utf-8"), keep_blank_values=True)

    def as_json(self) -> dict[str, Any]:
        """The record as ``GET /_fake/webhooks`` shows it."""
        return {
            "id": self.id,
            "webhook_id": self.webhook_id,
            "destination": self.destination,
            "account": self.account,
            "events": list(self.events),
            "state": self.state,
            "body": self.body.decode("ascii"),
            "attempts": [
                {"number": a.number, "at": a.at, "status": a.status, "error": a.error}
                for a in self.attempts
            ],
        }


def _is_loopback(host: str | None) -> bool:
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


class WebhookSender:
    """The fake's outgoing webhooks: routes to receivers, the queue, and what was sent."""

    def __init__(
        self,
        *,
        lock: AbstractContextManager[Any],
        clock: Callable[[], Clock],
        accounts: Callable[[], Iterable[Account]],
        account: Callable[[str | None], Account],
        ids: Callable[[], IdAllocator],
    ) -> None:
        self._lock = lock
        self._clock = clock
        self._accounts = accounts
        self._account = account
        self._ids = ids
        self.retry_schedule: tuple[float, ...] = DEFAULT_RETRY_SCHEDULE
        self.response_deadline = RESPONSE_DEADLINE
        self.disable_after = DISABLE_AFTER
        """More failed attempts than this within two hours disable the subscription."""
        self._routes: dict[str, ASGIApp] = {}
        self._default: ASGIApp | None = None
        self.deliveries: list[WebhookDelivery] = []
        """Every delivery taken from the queue, in order."""

    # -- wiring ----------------------------------------------------------------------------

    def route(self, destination: str, app: ASGIApp) -> None:
        """Deliver to ``app`` in-process what goes to ``destination`` — an exact URL, or an
        origin (``https://hooks.example``) for every destination under it."""
        key = destination if urlsplit(destination).path not in ("", "/") else _origin(destination)
        self._routes[key] = app

    def deliver_to(self, app: ASGIApp, destination: str | None = None) -> WebhookSender:
        """Deliver to ``app`` in-process: ``destination``'s webhooks, or every destination
        that has no route of its own."""
        if destination is None:
            self._default = app
        else:
            self.route(destination, app)
        return self

    def _app_for(self, destination: str) -> ASGIApp | None:
        return (
            self._routes.get(destination)
            or self._routes.get(_origin(destination))
            or (self._default)
        )

    # -- the fake's own subscription API ---------------------------------------------------

    def subscribe(
        self,
        destination: str,
        settings: Iterable[str],
        *,
        sort: int | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        """Subscribe without going through HTTP (as an admin would in amoCRM's UI)."""
        codes = [str(code) for code in settings]
        check_destination(destination)
        known = {event.value for event in WebhookEventCode}
        unknown = [code for code in codes if code not in known]
        if unknown or not codes:
            raise ValueError(f"settings: unknown or no event codes: {unknown}")
        with self._lock:
            target = self._account(account)
            sub = subscribe(
                target,
                self._ids(),
                destination,
                codes,
                sort=sort,
                user_id=admin_of(target).id,
                now=int(self._clock().time()),
            )
            return subscription_json(sub)

    def unsubscribe(self, destination: str, *, account: str | None = None) -> bool:
        """Remove a subscription without HTTP; what waits for it is dropped. Whether it existed."""
        with self._lock:
            return unsubscribe(self._account(account), destination)

    def subscriptions(self, account: str | None = None) -> list[dict[str, Any]]:
        """Wire JSON of the account's subscriptions (``disabled`` included)."""
        with self._lock:
            return [subscription_json(s) for s in subscriptions_of(self._account(account)).values()]

    # -- what was sent ---------------------------------------------------------------------

    def to(self, destination: str) -> list[WebhookDelivery]:
        return [d for d in self.deliveries if d.destination == destination]

    @property
    def attempts(self) -> list[WebhookAttempt]:
        return [attempt for delivery in self.deliveries for attempt in delivery.attempts]

    def pending(self) -> int:
        """Deliveries queued and not taken yet."""
        with self._lock:
            return sum(queued(account) for account in self._accounts())

    def clear(self) -> None:
        """Forget what was sent (routes stay)."""
        self.deliveries = []

    # -- sending ---------------------------------------------------------------------------

    def _take(self) -> list[tuple[Account, WebhookDelivery]]:
        taken: list[tuple[Account, WebhookDelivery]] = []
        with self._lock:
            for account in list(self._accounts()):
                for job in take_outgoing(account):
                    taken.append((account, self._delivery(account, job)))
        self.deliveries.extend(delivery for _, delivery in taken)
        return taken

    def _delivery(self, account: Account, job: Outgoing) -> WebhookDelivery:
        body = encode_webhook_form(job.tree(account)).encode("ascii")
        return WebhookDelivery(
            job.id, job.webhook_id, job.destination, account.base_domain, job.codes, body
        )

    def _subscription(self, account: Account, delivery: WebhookDelivery) -> Subscription | None:
        with self._lock:
            sub = subscriptions_of(account).get(delivery.webhook_id)
        if sub is None or sub.disabled or sub.destination != delivery.destination:
            return None
        return sub

    async def _deliver(self, account: Account, delivery: WebhookDelivery) -> None:
        clock = self._clock()
        for number in range(1, len(self.retry_schedule) + 2):
            if number > 1:
                await clock.sleep(self.retry_schedule[number - 2])
            sub = self._subscription(account, delivery)
            if sub is None:
                delivery.state = "cancelled"
                return
            attempt = await self._attempt(delivery, number)
            delivery.attempts.append(attempt)
            if attempt.ok:
                delivery.state = "delivered"
                return
            self._failed(sub, attempt.at)
        delivery.state = "failed"

    def _failed(self, sub: Subscription, at: float) -> None:
        with self._lock:
            sub.failures.append(at)
            while sub.failures and sub.failures[0] < at - DISABLE_WINDOW:
                sub.failures.popleft()
            if len(sub.failures) > self.disable_after:
                sub.disabled = True

    async def _attempt(self, delivery: WebhookDelivery, number: int) -> WebhookAttempt:
        clock = self._clock()
        at, started = clock.time(), clock.monotonic()
        app = self._app_for(delivery.destination)
        host = urlsplit(delivery.destination).hostname
        if app is None and not _is_loopback(host):
            return WebhookAttempt(number, at, None, f"no route to {host} (not loopback)")
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False) if app else None
        timeout = None if app else self.response_deadline
        headers = {"Content-Type": delivery.content_type}
        try:
            async with httpx.AsyncClient(transport=transport, timeout=timeout) as client:
                response = await client.post(
                    delivery.destination, content=delivery.body, headers=headers
                )
        except httpx.TimeoutException:
            return WebhookAttempt(number, at, None, f"no answer within {self.response_deadline} s")
        except httpx.TransportError as exc:
            return WebhookAttempt(number, at, None, f"{type(exc).__name__}: {exc}")
        if clock.monotonic() - started > self.response_deadline:
            late = f"answered after more than {self.response_deadline} s"
            return WebhookAttempt(number, at, response.status_code, late)
        return WebhookAttempt(number, at, response.status_code)

    async def flush(self, *, max_rounds: int = 20) -> list[WebhookDelivery]:
        """Send everything queued — retries included, until delivered or given up — and what
        the receivers' own writes queue meanwhile; returns the deliveries of this flush."""
        done: list[WebhookDelivery] = []
        for _ in range(max_rounds):
            taken = self._take()
            if not taken:
                return done
            async with anyio.create_task_group() as group:
                for account, delivery in taken:
                    group.start_soon(self._deliver, account, delivery)
            done.extend(delivery for _, delivery in taken)
        raise RuntimeError(
            f"webhooks still queued after {max_rounds} rounds: a receiver's writes keep "
            "triggering its own subscription"
        )

    @asynccontextmanager
    async def running(self, *, poll_interval: float = 0.01) -> AsyncIterator[WebhookSender]:
        """Send in the background while the block runs (polling the queue in real time, so it
        also sees writes made by a fake served in another thread). Leaving the block stops
        sending: call :meth:`settle` first to wait for what is under way; a delivery still
        waiting for a retry then is ``cancelled``."""

        async def pump(group: anyio.abc.TaskGroup) -> None:
            while True:
                for account, delivery in self._take():
                    group.start_soon(self._deliver, account, delivery)
                await anyio.sleep(poll_interval)

        async with anyio.create_task_group() as group:
            group.start_soon(pump, group)
            try:
                yield self
            finally:
                group.cancel_scope.cancel()
        for delivery in self.deliveries:
            if delivery.state == "pending":
                delivery.state = "cancelled"

    async def settle(self, *, timeout: float = 10.0) -> None:
        """In :meth:`running` mode: wait (real time) until nothing is queued or in flight."""
        with anyio.fail_after(timeout):
            # polled: writes of a fake served in another thread cannot set an anyio.Event here
            while self.pending() or any(d.state == "pending" for d in self.deliveries):  # noqa: ASYNC110
                await anyio.sleep(0.01)

    def __repr__(self) -> str:
        return f"WebhookSender(deliveries={len(self.deliveries)}, routes={sorted(self._routes)})"
