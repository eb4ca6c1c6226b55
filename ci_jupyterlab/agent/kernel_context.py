"""The kernel's live state, gathered silently, as context for a request.

``context.py`` is plain standard-library Python, so its own source is sent to
the kernel and run there in a throwaway namespace: the user's variables are
summarised where they live, without a visible cell, an execution count or a
history entry, and the kernel needs nothing of ours installed.
"""

from __future__ import annotations

from pathlib import Path

from .executors import inspect_quietly

#: Seconds the probe may take; a busy or huge namespace gives no context rather than a wait.
CONTEXT_TIMEOUT = 3.0
#: Characters of the variables part of the summary.
VARIABLES_BUDGET = 3000
#: Files of the working directory listed.
FILES_LISTED = 30

_SOURCE = (Path(__file__).parent / "context.py").read_text()

_SUMMARY = f"""
import os as _os, sys as _sys
_hidden = set(getattr(get_ipython(), "user_ns_hidden", {{}})) if "get_ipython" in USER_NS else set()
_names = {{k: v for k, v in USER_NS.items() if k not in _hidden}}
_files = sorted(n for n in _os.listdir(".") if not n.startswith("."))
# Only what the code needs: its absolute path would add nothing but noise.
print(f"Kernel: Python {{_sys.version.split()[0]}}")
if _files:  # nothing is said of what is not there: small models take every line as a cue
    _more = f", … {{len(_files) - {FILES_LISTED}}} more" if len(_files) > {FILES_LISTED} else ""
    print("Files in the working directory: " + ", ".join(_files[:{FILES_LISTED}]) + _more)
if user_variables(_names):
    print("Variables in the kernel:")
    print(describe_namespace(_names, {VARIABLES_BUDGET}))
"""


def context_probe() -> str:
    """One statement that prints the summary and leaves no names behind."""
    return f"exec({(_SOURCE + _SUMMARY)!r}, {{'__name__': '__ci_context__', 'USER_NS': globals()}})"


async def kernel_context(executor, language: str | None) -> str:
    """The summary of the kernel's state, or "" if it cannot be had quickly."""
    if (language or "").lower() != "python":
        return ""  # other kernels: the prompt still names their language
    return await inspect_quietly(executor, context_probe(), CONTEXT_TIMEOUT)
