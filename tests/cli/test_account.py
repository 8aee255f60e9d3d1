"""Where the command keeps accounts: the token store a ``--store`` URL names, and redaction."""

from __future__ import annotations

from pathlib import Path

import pytest

from amocrm_async import FileTokenStore
from amocrm_async._cli._account import AccountEntry, Config, open_store, redact
from amocrm_async._cli._args import CommandError, UsageError


def test_store_urls_name_their_store(tmp_path: Path) -> None:
    from amocrm_async.postgres import PostgresTokenStore
    from amocrm_async.redis import RedisTokenStore

    assert isinstance(open_store("redis://:pw@127.0.0.1:6390/0", tmp_path), RedisTokenStore)
    assert isinstance(open_store("postgresql://u:pw@127.0.0.1/db", tmp_path), PostgresTokenStore)
    default = open_store(None, tmp_path)
    assert isinstance(default, FileTokenStore) and default.directory == tmp_path / "tokens"
    chosen = open_store(f"file:{tmp_path / 'elsewhere'}", tmp_path)
    assert isinstance(chosen, FileTokenStore) and chosen.directory == tmp_path / "elsewhere"
    with pytest.raises(UsageError, match="unknown scheme 'ftp'"):
        open_store("ftp://host/x", tmp_path)


def test_store_urls_are_shown_without_their_password() -> None:
    assert redact("redis://:s3cret@cache:6379/0") == "redis://:***@cache:6379/0"
    assert redact("postgresql://app:s3cret@db/amo") == "postgresql://app:***@db/amo"
    assert redact("redis://cache:6379/0") == "redis://cache:6379/0"
    assert redact(None) == "the file store"


def test_accounts_file_round_trips_and_refuses_damage(tmp_path: Path) -> None:
    config = Config(tmp_path)
    config.put(AccountEntry("acme.amocrm.ru", "long-lived", access_token="t"))
    config.put(
        AccountEntry(
            "beta.amocrm.ru",
            "oauth",
            client_id="c",
            client_secret="s",
            redirect_uri="http://127.0.0.1:8765/cb",
        )
    )
    again = Config(tmp_path)
    assert again.default == "beta.amocrm.ru" and again.entry(None).client_id == "c"
    assert again.entry("https://ACME.amocrm.ru/").access_token == "t"
    with pytest.raises(CommandError, match=r"no token for gamma\.amocrm\.ru") as missing:
        again.entry("gamma.amocrm.ru")
    assert missing.value.code == 3
    (tmp_path / "accounts.json").write_text("{not json")
    with pytest.raises(CommandError, match="unreadable"):
        Config(tmp_path)
