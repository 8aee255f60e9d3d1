"""``amocrm-async auth`` in process against the fake served on loopback: the browser the command
opens is simulated (a thread that follows the authorize URL to the local listener); declined,
timed out, long-lived token, status."""

from __future__ import annotations

import io
import json
import socket
import stat
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest

from amocrm_async import FileTokenStore
from amocrm_async._cli._args import CommandError
from amocrm_async._cli._auth import run_auth
from amocrm_async.cli import build_parser, main
from amocrm_async.testing import FakeAmoCRM, Integration

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def served() -> Iterator[tuple[FakeAmoCRM, str]]:
    fake = FakeAmoCRM()
    with fake.serve_in_thread() as url:
        yield fake, url


class Browser:
    """What ``webbrowser.open`` would do: load the URL (in a thread, as a browser is another
    process) and follow the redirects to the command's listener."""

    def __init__(self, rewrite: Any = None) -> None:
        self.opened: list[str] = []
        self.answers: list[httpx.Response] = []
        self.rewrite = rewrite
        self._threads: list[threading.Thread] = []

    def __call__(self, url: str) -> bool:
        self.opened.append(url)
        thread = threading.Thread(target=self._visit, args=(url,), daemon=True)
        thread.start()
        self._threads.append(thread)
        return True

    def _visit(self, url: str) -> None:
        if self.rewrite is not None:
            url = self.rewrite(url)
        self.answers.append(httpx.get(url, follow_redirects=True, timeout=10))

    def join(self) -> None:
        for thread in self._threads:
            thread.join(10)


def auth_args(integration: Integration, url: str, config: Path, *extra: str) -> Any:
    return build_parser().parse_args(
        [
            "auth",
            "--server",
            url,
            "--client-id",
            integration.client_id,
            "--client-secret",
            integration.client_secret,
            "--redirect-uri",
            integration.redirect_uri,
            "--config-dir",
            str(config),
            *extra,
        ]
    )


def test_the_browser_is_opened_and_the_pair_stored(
    served: tuple[FakeAmoCRM, str], tmp_path: Path
) -> None:
    fake, url = served
    integration = fake.register_integration(f"http://127.0.0.1:{free_port()}/cb")
    browser, out, err = Browser(), io.StringIO(), io.StringIO()
    args = auth_args(integration, url, tmp_path, "--json")
    assert anyio.run(lambda: run_auth(args, out=out, err=err, browser=browser)) == 0
    browser.join()
    (opened,) = browser.opened
    assert opened.startswith(f"{url}/oauth?client_id={integration.client_id}&state=")
    assert "mode=popup" in opened and opened in err.getvalue()
    (answer,) = browser.answers
    assert answer.status_code == 200 and str(answer.url).startswith(integration.redirect_uri)
    report = json.loads(out.getvalue())
    assert report["account"] == {"id": fake.account_id, "name": "Acme", "subdomain": "acme"}
    assert report["user"]["email"] == "admin@acme.example.com" and report["kind"] == "oauth"
    assert fake.stats.tokens_issued == 1
    stored = anyio.run(lambda: FileTokenStore(tmp_path / "tokens").load("acme.amocrm.ru"))
    assert stored is not None
    for secret in (
        stored.token.access_token,
        stored.token.refresh_token,
        integration.client_secret,
    ):
        assert secret not in out.getvalue() + err.getvalue()
    accounts = tmp_path / "accounts.json"
    assert stat.S_IMODE(accounts.stat().st_mode) == 0o600
    assert stat.S_IMODE(tmp_path.stat().st_mode) == 0o700
    saved = json.loads(accounts.read_text())
    assert saved["default"] == "acme.amocrm.ru"
    assert saved["accounts"]["acme.amocrm.ru"]["server"] == url


def test_a_declined_authorisation_stores_nothing(
    served: tuple[FakeAmoCRM, str], tmp_path: Path
) -> None:
    fake, url = served
    integration = fake.register_integration(f"http://127.0.0.1:{free_port()}/cb")

    def decline(authorize: str) -> str:
        state = authorize.split("state=", 1)[1].split("&", 1)[0]
        return f"{integration.redirect_uri}?error=access_denied&state={state}"

    browser = Browser(decline)
    args = auth_args(integration, url, tmp_path)
    with pytest.raises(CommandError, match="declined") as failed:
        anyio.run(lambda: run_auth(args, out=io.StringIO(), err=io.StringIO(), browser=browser))
    assert failed.value.code == 1
    assert fake.stats.tokens_issued == 0 and not (tmp_path / "accounts.json").exists()


def test_no_redirect_in_time_exits_1(
    served: tuple[FakeAmoCRM, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = served
    integration = fake.register_integration(f"http://127.0.0.1:{free_port()}/cb")
    args = ["auth", "--server", url, "--client-id", integration.client_id]
    args += ["--client-secret", integration.client_secret, "--no-browser", "--timeout", "0.3"]
    args += ["--redirect-uri", integration.redirect_uri, "--config-dir", str(tmp_path)]
    assert main(args) == 1
    assert capsys.readouterr().err.splitlines()[-1] == (
        "amocrm-async auth: error: no redirect back within 0.3 s; nothing was stored"
    )


def test_a_long_lived_token_is_checked_then_kept(
    served: tuple[FakeAmoCRM, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fake, url = served
    token = fake.long_lived_token()
    config = ["--config-dir", str(tmp_path)]
    assert main(["auth", "--long-lived", token, "--server", url, *config]) == 0
    out = capsys.readouterr().out
    assert out.startswith("authorised: Администратор <admin@acme.example.com> (user 9000001)")
    assert "long-lived token stored in" in out and token not in out
    entry = json.loads((tmp_path / "accounts.json").read_text())["accounts"]["acme.amocrm.ru"]
    assert (entry["kind"], entry["access_token"]) == ("long-lived", token)
    assert main(["auth", "status", *config]) == 0
    assert "acme.amocrm.ru (long-lived): ok" in capsys.readouterr().out
    assert main(["export", "pipelines", "--no-progress", *config]) == 0
    assert [json.loads(line)["id"] for line in capsys.readouterr().out.splitlines()] == [
        p["id"] for p in fake.pipelines()
    ]
    fake.expire_tokens(include_long_lived=True)
    assert main(["auth", "status", *config]) == 3
    assert "NOT USABLE" in capsys.readouterr().out
    assert main(["auth", "--long-lived", "not-a-token", "--server", url, *config]) == 2
    assert "--domain is required" in capsys.readouterr().err
