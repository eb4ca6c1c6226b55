"""IPython syntax read as Python: magics and ``!`` escapes become the calls IPython makes of them.

IPython is imported only when a cell is read, and a small transformer of our
own stands in where it is missing: the server extension must load without it.
"""

from __future__ import annotations

import re

# A line IPython rewrites: "!cmd", "!!cmd", "%magic args", "out = !cmd".
_ESCAPED = re.compile(r"^(?P<indent>[ \t]*)(?:(?P<target>[\w.]+)[ \t]*=[ \t]*)?(?P<escape>!!|!|%(?!%))(?P<rest>.*)$")
# A single-line cell IPython runs as a magic (automagic): "pip install x".
AUTOMAGIC = re.compile(r"^(pip|conda|mamba|micromamba|uv)\s+\w")


def to_python(source: str) -> str:
    """The Python that IPython runs for ``source``."""
    try:
        from IPython.core.inputtransformer2 import TransformerManager
    except ImportError:
        return _fallback_transform(source)
    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython gives up on some broken input; ours reads it line by line
        return _fallback_transform(source)


def _fallback_transform(source: str) -> str:
    """A small stand-in for IPython's input transformers: escapes and magics only."""
    lines = source.lstrip("\n").split("\n")
    if lines[0].startswith("%%"):
        name, _, line = lines[0][2:].partition(" ")
        body = "\n".join(lines[1:])
        return f"get_ipython().run_cell_magic({name!r}, {line.strip()!r}, {body!r})\n"
    return "\n".join(fallback_line(line) for _, line in logical_lines(source))


def fallback_line(line: str) -> str:
    """One line as IPython rewrites it, or as it is when it has no escape."""
    match = _ESCAPED.match(line)
    if match is None:
        return line
    rest = match["rest"].strip()
    if match["escape"] == "%":
        name, _, args = rest.partition(" ")
        call = f"get_ipython().run_line_magic({name!r}, {args.strip()!r})"
    elif match["escape"] == "!!" or match["target"]:
        call = f"get_ipython().getoutput({rest!r})"
    else:
        call = f"get_ipython().system({rest!r})"
    return f"{match['indent']}{match['target'] + ' = ' if match['target'] else ''}{call}"


def logical_lines(source: str) -> list[tuple[list[int], str]]:
    """The cell's lines, escaped ones joined across trailing backslashes as IPython does."""
    lines = source.split("\n")
    joined = []
    i = 0
    while i < len(lines):
        numbers, text = [i], lines[i]
        while _ESCAPED.match(lines[numbers[0]]) and text.endswith("\\") and numbers[-1] + 1 < len(lines):
            numbers.append(numbers[-1] + 1)
            text = text[:-1] + " " + lines[numbers[-1]]
        joined.append((numbers, text))
        i = numbers[-1] + 1
    return joined
