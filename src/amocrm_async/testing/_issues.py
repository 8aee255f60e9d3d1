"""Validation issues: entries of amoCRM's ``validation-errors`` and the 400 that carries them."""

from __future__ import annotations

from typing import NamedTuple, TypeGuard

from amocrm_async.testing._http import FakeResponse, problem

__all__ = [
    "Issue",
    "invalid_type",
    "is_int",
    "not_expected",
    "not_supported",
    "required",
    "validation_failed",
]


class Issue(NamedTuple):
    """One entry of ``validation-errors[].errors``."""

    code: str
    path: str
    detail: str

    def as_json(self) -> dict[str, str]:
        return {"code": self.code, "path": self.path, "detail": self.detail}


def invalid_type(path: str, type_name: str) -> Issue:
    return Issue("InvalidType", path, f"This value should be of type {type_name}.")


def not_supported(path: str) -> Issue:
    return Issue("NotSupportedChoice", path, "The value you selected is not a valid choice.")


def not_expected(path: str) -> Issue:
    return Issue("FieldNotExpected", path, "This field was not expected.")


def required(path: str) -> Issue:
    return Issue("NotBlank", path, "This value should not be blank.")


def is_int(value: object) -> TypeGuard[int]:
    """JSON integers only: ``True`` is a bool to amoCRM, not 1."""
    return isinstance(value, int) and not isinstance(value, bool)


def validation_failed(errors: list[tuple[str, list[Issue]]]) -> FakeResponse:
    """The 400 problem with one ``validation-errors`` entry per failing ``request_id``."""
    return problem(
        400,
        "Request validation failed",
        extra={
            "validation-errors": [
                {"request_id": request_id, "errors": [issue.as_json() for issue in issues]}
                for request_id, issues in errors
            ]
        },
    )
