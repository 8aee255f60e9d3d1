"""Developer sessions: ``nox -s tests lint typecheck``; ``nox -s docs`` builds the site."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("pytest", "-q", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff>=0.6")
    session.run("ruff", "check", "src", "tests", "bench", "examples", "noxfile.py")
    session.run("ruff", "format", "--check", "src", "tests", "bench", "examples", "noxfile.py")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[test]", "mypy>=1.11")
    session.run("mypy", "src", "tests")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site; ``--strict`` turns every warning (a broken link, a docstring
    that does not render) into a failure."""
    session.install("-e", ".[docs]")
    session.run("python", "bench/plot.py", "--check")
    session.run("mkdocs", "build", "--strict", *session.posargs)
