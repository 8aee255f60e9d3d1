"""Command-line hygiene: bad arguments exit 2 with one line and no traceback; help shows the
defaults and no markup; a missing account exits 3."""

from __future__ import annotations

from pathlib import Path

import pytest

from amocrm_async.cli import build_parser, main


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["demo", "--rate", "0"], "argument --rate: must be a positive number, got '0'"),
        (["demo", "--rate", "fast"], "argument --rate: expected a number, got 'fast'"),
        (["demo", "--leads", "0"], "argument --leads: must be at least 1, got 0"),
        (["fake-server", "--port", "-1"], "argument --port: must be between 0 and 65535, got -1"),
        (["fake-server", "--port", "http"], "argument --port: expected a whole number"),
        (["export", "nothing"], "argument ENTITY: invalid choice: 'nothing'"),
        (["export", "leads", "--updated-since", "yesterday"], "expected unix seconds or an ISO"),
        (["export", "leads", "--format", "xml"], "argument --format: invalid choice: 'xml'"),
        (["auth", "--timeout", "-5"], "argument --timeout: must be a positive number"),
        (["frobnicate"], "argument COMMAND: invalid choice: 'frobnicate'"),
        ([], "the following arguments are required: COMMAND"),
    ],
)
def test_bad_arguments_exit_2_with_one_line(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(argv)
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    lines = captured.err.splitlines()
    assert len(lines) == 1 and message in lines[0] and lines[0].startswith("amocrm-async")
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            [
                "auth",
                "--client-id",
                "c",
                "--client-secret",
                "s",
                "--redirect-uri",
                "https://example.com/cb",
            ],
            "--redirect-uri must be a loopback URL",
        ),
        (["auth", "--client-id", "c", "--client-secret", "s"], "--redirect-uri is required"),
        (
            ["auth", "--client-id", "c", "--client-secret", "s", "--redirect-uri", "not a url"],
            "redirect_uri must be an absolute http(s) URL",
        ),
        (
            [
                "export",
                "leads",
                "--token",
                "t",
                "--server",
                "http://127.0.0.1:9",
                "--filter",
                "colour=red",
            ],
            "--domain is required: the token does not name its account",
        ),
        (
            [
                "export",
                "leads",
                "--token",
                "t",
                "--server",
                "http://127.0.0.1:9",
                "--domain",
                "acme.amocrm.ru",
                "--filter",
                "colour=red",
            ],
            "leads has no filter 'colour'",
        ),
        (
            [
                "export",
                "leads",
                "--token",
                "t",
                "--server",
                "http://127.0.0.1:9",
                "--store-nothing",
            ],
            "unrecognized arguments: --store-nothing",
        ),
    ],
)
def test_bad_input_found_later_is_one_line_and_exit_2(
    argv: list[str],
    message: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name in ("AMOCRM_CLIENT_ID", "AMOCRM_CLIENT_SECRET", "AMOCRM_REDIRECT_URI"):
        monkeypatch.delenv(name, raising=False)
    try:
        code = main([*argv, "--config-dir", str(tmp_path)])
    except SystemExit as exited:
        code = int(exited.code or 0)
    assert code == 2
    lines = capsys.readouterr().err.splitlines()
    assert len(lines) == 1 and message in lines[0], lines


def test_no_account_exits_3(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["export", "leads", "--config-dir", str(tmp_path)]) == 3
    (line,) = capsys.readouterr().err.splitlines()
    assert "run amocrm-async auth first" in line
    assert main(["auth", "status", "--config-dir", str(tmp_path)]) == 3


def test_help_shows_defaults_and_no_markup(capsys: pytest.CaptureFixture[str]) -> None:
    texts = []
    for command in ([], ["demo"], ["fake-server"], ["export"], ["auth"]):
        with pytest.raises(SystemExit) as exited:
            main([*command, "--help"])
        assert exited.value.code == 0
        texts.append(capsys.readouterr().out)
    everything = "\n".join(texts)
    assert "`" not in everything and ":class:" not in everything
    demo, server, export = texts[1], texts[2], texts[3]
    assert "(default: 7.0)" in demo and "(default: 1000)" in demo and "(default: 2000)" in demo
    assert "(default: 8000)" in server and "(default: 127.0.0.1)" in server
    assert "(default: 7.0)" in export and "(default: -)" in export
    assert "Exit codes: 0 done" in texts[0]


def test_every_option_has_help() -> None:
    parser = build_parser()
    for action in parser._subparsers._group_actions[0].choices.values():  # type: ignore[union-attr]
        for option in action._actions:
            assert option.help, f"{action.prog} {option.dest} has no help"
