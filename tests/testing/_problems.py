"""Reading the fake's error answers in raw-HTTP tests: the problem body and its issues."""

from __future__ import annotations

from typing import Any

import httpx


def problem_of(response: httpx.Response, status: int = 400) -> Any:
    """The ``application/problem+json`` body of an error answer with ``status``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    return response.json()


def issues_of(response: httpx.Response) -> list[tuple[str, str, str]]:
    """``(request_id, code, path)`` of every entry of a 400's ``validation-errors``."""
    return [
        (entry["request_id"], error["code"], error["path"])
        for entry in problem_of(response)["validation-errors"]
        for error in entry["errors"]
    ]
