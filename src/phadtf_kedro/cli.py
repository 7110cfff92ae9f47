"""Project CLI: Kedro's own `run`, except that a user error (PhadtfError) prints one line instead of a traceback."""

from __future__ import annotations

import copy
import functools
import sys

import click
from kedro.framework.cli.project import run as kedro_run

from phadtf_kedro.errors import PhadtfError


def find_user_error(exc: BaseException | None) -> PhadtfError | None:
    """The PhadtfError behind `exc`, following Kedro's wrapping (__cause__ / __context__)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, PhadtfError):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def one_line_user_errors(callback):
    @functools.wraps(callback)
    def wrapper(*args, **kwargs):
        try:
            return callback(*args, **kwargs)
        except Exception as exc:
            error = find_user_error(exc)
            if error is None:
                raise
            click.secho(f"Error: {error}", err=True, fg="red")
            sys.exit(2)

    return wrapper


@click.group(name="phadtf_kedro")
def cli() -> None:
    """Project commands."""


run = copy.copy(kedro_run)
run.callback = one_line_user_errors(kedro_run.callback)
cli.add_command(run, "run")
