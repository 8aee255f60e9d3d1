"""The amocrm-async command: authorise an account, export and sync its data, and run the SDK
against the embedded fake amoCRM (demo, fake-server).

Exit codes: 0 done; 1 the API, the network or a store failed (one line says why); 2 bad
arguments, nothing sent; 3 no usable token for the account (run amocrm-async auth); 130
interrupted (an export keeps its checkpoint and resumes when run again).
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

import anyio

from ._cli._account import AccountEntry, Config, config_dir, open_client
from ._cli._args import (
    EXIT_ERROR,
    EXIT_INTERRUPTED,
    EXIT_NOT_AUTHORIZED,
    EXIT_USAGE,
    CommandError,
    Parser,
    UsageError,
    bounded_int,
    port,
    positive_float,
    timestamp,
)
from .errors import AmoCRMError, ReauthorizationRequiredError, UnauthorizedError

__all__ = ["main"]

_DESCRIPTION = (__doc__ or "").split("\n\n", 1)[0].replace("\n", " ")
_EPILOG = (__doc__ or "").split("\n\n", 1)[1]


def _needs_uvicorn() -> bool:
    if importlib.util.find_spec("uvicorn") is not None:
        return False
    print(
        "amocrm-async: error: serving the fake over HTTP needs uvicorn: "
        "pip install 'amocrm-async[server]'",
        file=sys.stderr,
    )
    return True


def _demo(args: argparse.Namespace) -> int:
    from ._cli._demo import run_demo

    if args.serve and _needs_uvicorn():
        return EXIT_USAGE
    return anyio.run(
        lambda: run_demo(
            leads=args.leads, seed_leads=args.seed_leads, serve=args.serve, rate=args.rate
        )
    )


def _fake_server(args: argparse.Namespace) -> int:
    """Listen first, then print the URL (with the real port) and the control token."""
    import threading

    from .testing import FakeAmoCRM
    from .testing._asgi import ThreadedServer

    if _needs_uvicorn():
        return EXIT_USAGE
    fake = FakeAmoCRM(rate_limit=args.rate_limit)
    if args.seed_leads:
        fake.seed(leads=args.seed_leads)
    try:
        server = ThreadedServer(fake.app, args.host, args.port)
    except OSError as exc:
        raise CommandError(f"cannot listen on {args.host}:{args.port}: {exc.strerror}") from None
    server.start()
    token = fake.long_lived_token()
    if args.json:
        banner = {"url": server.base_url, "base_domain": fake.base_domain, "token": token}
        print(json.dumps(banner), flush=True)
    else:
        print(
            f"fake amoCRM on {server.base_url} (account {fake.base_domain}); "
            f"long-lived token:\n{token}",
            flush=True,
        )
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def _run(work: Callable[[], Awaitable[int]]) -> int:
    return anyio.run(work)


def _config(args: argparse.Namespace) -> Path:
    directory = config_dir(args.config_dir)
    args.config_dir = str(directory)
    return directory


def _auth(args: argparse.Namespace) -> int:
    from ._cli._auth import run_auth, run_long_lived, run_status

    _config(args)
    if args.action == "status":
        return _run(lambda: run_status(args))
    if args.long_lived is not None:
        return _run(lambda: run_long_lived(args))
    return _run(lambda: run_auth(args))


def _export(args: argparse.Namespace) -> int:
    from ._cli._export import run_export

    directory = _config(args)
    token = args.token or os.environ.get("AMOCRM_ACCESS_TOKEN")
    if token:
        domain = args.domain or _token_domain(token)
        entry = AccountEntry(domain, "long-lived", server=args.server, access_token=token)
    else:
        entry = Config(directory).entry(args.domain)

    async def work() -> int:
        async with open_client(entry, directory, rate=args.rate, server=args.server) as amo:
            return await run_export(args, amo)

    return _run(work)


def _token_domain(token: str) -> str:
    from ._auth import decode_jwt_claims

    try:
        domain = decode_jwt_claims(token).get("base_domain")
    except ValueError:
        domain = None
    if not isinstance(domain, str):
        raise UsageError("--domain is required: the token does not name its account")
    return domain


def _account_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config-dir",
        metavar="DIR",
        help="where accounts.json and the default token files live "
        "(default: $AMOCRM_ASYNC_HOME or ~/.config/amocrm-async)",
    )
    parser.add_argument(
        "--domain",
        metavar="HOST",
        help="the account host, e.g. acme.amocrm.ru (default: the account authorised last)",
    )
    parser.add_argument(
        "--server",
        metavar="URL",
        help="send every request to this amoCRM-compatible server instead of the account host "
        "(e.g. the URL printed by amocrm-async fake-server)",
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON lines")


def build_parser() -> Parser:
    from ._cli._export import ENTITIES

    parser = Parser(prog="amocrm-async", description=_DESCRIPTION, epilog=_EPILOG)
    sub = parser.add_subparsers(
        dest="command", required=True, metavar="COMMAND", parser_class=Parser
    )

    auth = sub.add_parser(
        "auth",
        help="authorise an account (OAuth in a browser, or a long-lived token); auth status",
        description="Run the OAuth code flow on a local redirect listener and store the token "
        "pair, store a long-lived token, or (auth status) check the stored accounts. Prints "
        "who and which account, never a token.",
    )
    auth.add_argument(
        "action",
        nargs="?",
        choices=["login", "status"],
        default="login",
        help="login: authorise; status: check every stored account",
    )
    _account_options(auth)
    auth.add_argument("--client-id", help="the integration's client id ($AMOCRM_CLIENT_ID)")
    auth.add_argument(
        "--client-secret", help="the integration's secret ($AMOCRM_CLIENT_SECRET; kept 0600)"
    )
    auth.add_argument(
        "--redirect-uri",
        help="the integration's redirect URI, a loopback URL this command listens on, e.g. "
        "http://127.0.0.1:8765/callback ($AMOCRM_REDIRECT_URI)",
    )
    auth.add_argument(
        "--store",
        metavar="URL",
        help="token store: redis://…, postgresql://…, file:DIR or a directory "
        "(default: DIR/tokens in the config directory)",
    )
    auth.add_argument("--no-browser", action="store_true", help="print the URL, open no browser")
    auth.add_argument("--kommo", action="store_true", help="authorise on kommo.com")
    auth.add_argument(
        "--timeout", type=positive_float, default=300.0, help="seconds to wait for the redirect"
    )
    auth.add_argument(
        "--long-lived",
        metavar="TOKEN",
        help="store this long-lived token instead of running OAuth ('-' reads it from stdin)",
    )
    auth.set_defaults(func=_auth)

    export = sub.add_parser(
        "export",
        help="export a list (leads, contacts, …) to JSON Lines or CSV, resumable",
        description="Export every entity of a list to JSON Lines or CSV. Lists with updated_at "
        "are read in updated_at windows (never deep pages); an interrupted export resumes "
        "from its checkpoint with no duplicate and no gap; --sync writes what changed since "
        "the last run, deletions included.",
    )
    export.add_argument(
        "entity",
        choices=sorted(ENTITIES),
        metavar="ENTITY",
        help=f"what to export: {', '.join(sorted(ENTITIES))}",
    )
    _account_options(export)
    export.add_argument(
        "--token",
        help="a long-lived token to use instead of a stored account ($AMOCRM_ACCESS_TOKEN)",
    )
    export.add_argument("-o", "--output", default="-", help="file to write ('-': stdout)")
    export.add_argument(
        "--format",
        choices=["jsonl", "csv"],
        help="output format (default: from the file name, else jsonl)",
    )
    export.add_argument(
        "--filter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a field of the entity's filter, e.g. responsible_user_ids=5,7 or price=100..500 "
        "(repeatable)",
    )
    export.add_argument("--search", metavar="TEXT", help="free-text search (the API's query)")
    export.add_argument(
        "--query",
        metavar="PAIRS",
        help="raw query pairs added to every request, e.g. 'filter[statuses][0][status_id]=142'",
    )
    export.add_argument(
        "--with",
        dest="with_",
        action="append",
        default=[],
        metavar="NAME",
        help="related data to include (the API's with=; repeatable)",
    )
    export.add_argument(
        "--updated-since",
        type=timestamp,
        metavar="TIME",
        help="only entities updated at or after TIME (unix seconds or ISO 8601)",
    )
    export.add_argument(
        "--updated-until",
        type=timestamp,
        metavar="TIME",
        help="only entities updated at or before TIME",
    )
    export.add_argument(
        "--sync",
        action="store_true",
        help="incremental: write what changed since the checkpoint's last run, "
        "deletions included (keeps the checkpoint)",
    )
    export.add_argument(
        "--checkpoint", metavar="FILE", help="checkpoint file (default: OUTPUT.checkpoint)"
    )
    export.add_argument("--no-checkpoint", action="store_true", help="do not keep a checkpoint")
    export.add_argument("--no-progress", action="store_true", help="no progress bar or lines")
    export.add_argument(
        "--rate",
        type=positive_float,
        default=7.0,
        help="requests per second to stay under (amoCRM allows 7)",
    )
    export.set_defaults(func=_export)

    demo = sub.add_parser(
        "demo",
        help="run the SDK end to end against the embedded fake amoCRM",
        description="Run the SDK end to end against the embedded fake amoCRM and report the "
        "requests, the time and the 429s of each step.",
    )
    demo.add_argument("--serve", action="store_true", help="serve the fake on loopback (HTTP)")
    demo.add_argument(
        "--leads",
        type=bounded_int(1),
        default=1_000,
        help="leads to create (with a contact and a company each)",
    )
    demo.add_argument(
        "--seed-leads", type=bounded_int(0), default=2_000, help="leads seeded beforehand"
    )
    demo.add_argument(
        "--rate", type=positive_float, default=7.0, help="the fake's limit in requests per second"
    )
    demo.set_defaults(func=_demo)

    server = sub.add_parser(
        "fake-server",
        help="serve the fake amoCRM over HTTP (needs uvicorn)",
        description="Serve the fake amoCRM over HTTP. Prints its URL and a long-lived token once "
        "it is listening; --port 0 picks a free port (the real one is printed).",
    )
    server.add_argument("--host", default="127.0.0.1", help="address to listen on")
    server.add_argument("--port", type=port, default=8000, help="port to listen on (0: any free)")
    server.add_argument("--seed-leads", type=bounded_int(0), default=0, help="leads to seed")
    server.add_argument(
        "--rate-limit",
        action="store_true",
        help="enforce amoCRM's limits (7 req/s per integration, 50 per account)",
    )
    server.add_argument(
        "--json", action="store_true", help="print the URL, account and token as one JSON line"
    )
    server.set_defaults(func=_fake_server)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    prog = f"{parser.prog} {args.command}"
    try:
        return int(args.func(args))
    except CommandError as exc:
        return _fail(prog, exc.code, str(exc))
    except (ReauthorizationRequiredError, UnauthorizedError) as exc:
        return _fail(prog, EXIT_NOT_AUTHORIZED, f"{exc} (run amocrm-async auth)")
    except AmoCRMError as exc:
        return _fail(prog, EXIT_ERROR, f"{type(exc).__name__}: {exc}")
    except OSError as exc:
        where = f" ({exc.filename})" if exc.filename else ""
        return _fail(prog, EXIT_ERROR, f"{exc.strerror or exc}{where}")
    except KeyboardInterrupt:
        return _fail(prog, EXIT_INTERRUPTED, "interrupted")


def _fail(prog: str, code: int, message: str) -> int:
    sys.stderr.write(f"{prog}: error: {' '.join(message.split())}\n")
    return code


if __name__ == "__main__":
    raise SystemExit(main())
