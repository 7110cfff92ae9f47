"""Project CLI: Kedro's own `run`, except that a user error (PhadtfError) prints one line instead of a traceback, and
that `--params` keeps person_id and audio as the text the user typed.

Kedro parses every `--params` value with YAML (OmegaConf.from_dotlist): `person_id=0x1F` would become the int 31 and
run on person "31", `007` would become 7, `yes` True and an empty value None. Those two values name folders and files
under data/, so they keep their raw text here and the hook checks it (hooks.validate_name).
"""

from __future__ import annotations

import copy
import functools
import sys
from typing import Any

import click
from kedro.framework.cli.project import run as kedro_run
from kedro.framework.cli.utils import _split_params, split_string

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


LITERAL_PARAMS = ("person_id", "audio")  # names of files and folders: text, never retyped by YAML


def split_params_literal(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Kedro's `--params` parsing, with the values of LITERAL_PARAMS kept exactly as typed (a mapping from a
    `--config` file arrives parsed already: there they must be YAML strings)."""
    parsed = _split_params(ctx, param, value)
    if isinstance(value, dict):
        for key in LITERAL_PARAMS:
            if key in value and not isinstance(value[key], str):
                raise PhadtfError(f"{key} {value[key]!r}: YAML read it as a {type(value[key]).__name__}; quote it in "
                                  "the config file")
        return parsed
    for item in split_string(ctx, param, value or ""):
        key, _, raw = item.partition("=")
        if key.strip() in LITERAL_PARAMS:
            parsed[key.strip()] = raw
    return parsed


def _literal_params_option(option: click.Parameter) -> click.Parameter:
    if option.name != "params":
        return option
    option = copy.copy(option)
    option.callback = split_params_literal
    return option


run = copy.copy(kedro_run)
run.callback = one_line_user_errors(kedro_run.callback)
run.params = [_literal_params_option(option) for option in kedro_run.params]
cli.add_command(run, "run")
