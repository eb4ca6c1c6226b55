"""The options and request of a ``%%ci`` / ``%ci`` line: no IPython here.

Shared by the magic and by the exporter, which reads ``%%ci`` cells inside
the Jupyter server, where IPython need not be installed.
"""

from __future__ import annotations

from dataclasses import dataclass

USAGE = "%%ci [--model M] [--max-attempts N] [--choose N] [--no-run] [--fresh] <request>"
_VALUE_OPTIONS = {"--model": "model", "--max-attempts": "max_attempts", "--choose": "choose"}
_FLAG_OPTIONS = {"--no-run": "no_run", "--fresh": "fresh"}


class OptionError(ValueError):
    """The magic line cannot be understood; the message says how to write it."""


@dataclass
class MagicOptions:
    model: str | None = None
    max_attempts: int | None = None
    choose: int | None = None  # the option taken when the model asks the user to choose (1-based; default 1)
    no_run: bool = False  # show the code the model proposes, do not run it
    fresh: bool = False  # ignore the recording, ask the model again


def _option_value(option: str, value: str) -> str | int:
    if option not in ("--max-attempts", "--choose"):
        return value
    if not value.isdigit() or int(value) < 1:
        raise OptionError(f"{option} needs a whole number of 1 or more, not {value!r}.")
    return int(value)


def parse_magic(line: str, cell: str | None = None) -> tuple[MagicOptions, str]:
    """The options at the start of ``line``; the rest of it and the cell body are the request.

    Only leading words that start with ``-`` are options, so the request may
    contain anything; ``--`` ends the options early.
    """
    options = MagicOptions()
    rest = line.strip()
    while rest.startswith("-"):
        word, _, rest = rest.partition(" ")
        rest = rest.lstrip()
        if word == "--":
            break
        option, has_value, value = word.partition("=")
        if option in _VALUE_OPTIONS:
            if not has_value:
                value, _, rest = rest.partition(" ")
                rest = rest.lstrip()
            if not value:
                raise OptionError(f"{option} needs a value. Usage: {USAGE}")
            setattr(options, _VALUE_OPTIONS[option], _option_value(option, value))
        elif option in _FLAG_OPTIONS and not has_value:
            setattr(options, _FLAG_OPTIONS[option], True)
        else:
            raise OptionError(f"Unknown option {word}. Usage: {USAGE}")
    request = "\n".join(part for part in (rest, (cell or "").strip()) if part)
    if not request:
        raise OptionError(f"Nothing to ask: write the request after the options. Usage: {USAGE}")
    return options, request


def recording_options(options: MagicOptions) -> str:
    """The options a ``%%ci`` recording is kept under in the journal: those that change what the model is told."""
    choose = f" --choose {options.choose}" if options.choose else ""
    return f"{options.model or ''}{choose}"
