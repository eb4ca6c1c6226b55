"""Run code in the IPython kernel's own namespace, on the kernel's main thread.

This is how ``%%ci`` runs the model's code: exactly as if the user had run it
(same variables, same display machinery), so outputs appear under the magic's
cell as they happen. While the code runs, IPython's override points for
output are wrapped so that every output is also captured as an nbformat v4
output for the model: ``sys.stdout``/``sys.stderr`` writes,
``DisplayPublisher.publish`` (``display()``, plots),
``DisplayHook.write_format_data`` (the value of the last expression) and
``InteractiveShell._showtraceback`` (errors, with IPython's traceback list).
"""

from __future__ import annotations

import _thread
import base64
import contextlib
import io
import signal
import sys
import threading
import time
from contextlib import ExitStack, contextmanager

# Not from .kernel: that module loads nbformat and jsonschema, seconds of %load_ext.
from .base import ExecutionResult, append_output

#: How long to wait for a timeout interrupt that was sent but has not landed yet.
LATE_INTERRUPT_WAIT = 0.5


def _jsonable(bundle: dict | None) -> dict:
    """A mime bundle as notebooks store it: binary payloads (PNG, JPEG) in base64."""
    return {
        mime: base64.b64encode(value).decode("ascii") if isinstance(value, bytes) else value
        for mime, value in (bundle or {}).items()
    }


def _error_output(ename: str, evalue: str, traceback: list[str]) -> dict:
    return {"output_type": "error", "ename": ename, "evalue": evalue, "traceback": traceback}


@contextmanager
def _patched(owner, name: str, replacement):
    """Set ``owner.name`` for the duration, then restore exactly what was there."""
    had_own = name in vars(owner)
    saved = vars(owner).get(name)
    setattr(owner, name, replacement)
    try:
        yield
    finally:
        if had_own:
            setattr(owner, name, saved)
        else:
            delattr(owner, name)


class _TeeStream:
    """A stand-in for ``sys.stdout``/``sys.stderr`` that also records what is written."""

    def __init__(self, stream, name: str, record):
        self._stream = stream
        self._name = name
        self._record = record

    def write(self, text: str) -> int:
        self._record({"output_type": "stream", "name": self._name, "text": text})
        return self._stream.write(text)

    def writelines(self, lines) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, attribute):  # flush, fileno, isatty, encoding, ...
        return getattr(self._stream, attribute)


class _OutputCapture:
    """Records a cell's outputs while IPython shows them as usual."""

    def __init__(self, shell):
        self.shell = shell
        self.outputs: list[dict] = []
        self._stack = ExitStack()

    def _record(self, output: dict) -> None:
        append_output(self.outputs, output)

    def __enter__(self) -> _OutputCapture:
        shell, stack = self.shell, self._stack
        publish = shell.display_pub.publish
        write_format_data = shell.displayhook.write_format_data
        show_traceback = shell._showtraceback

        def publish_and_record(data, metadata=None, **options):
            publish(data, metadata, **options)
            if not options.get("update"):  # an update changes an earlier display in place
                self._record({"output_type": "display_data", "data": _jsonable(data), "metadata": metadata or {}})

        def write_and_record(format_dict, md_dict=None):
            write_format_data(format_dict, md_dict)
            self._record(
                {
                    "output_type": "execute_result",
                    "data": _jsonable(format_dict),
                    "metadata": md_dict or {},
                    "execution_count": None,
                }
            )

        def show_and_record(etype, evalue, stb):
            show_traceback(etype, evalue, stb)
            self._record(_error_output(etype.__name__, str(evalue), list(stb)))

        stack.enter_context(_patched(shell.display_pub, "publish", publish_and_record))
        stack.enter_context(_patched(shell.displayhook, "write_format_data", write_and_record))
        stack.enter_context(_patched(shell, "_showtraceback", show_and_record))
        for name in ("stdout", "stderr"):
            stream = getattr(sys, name)
            if stream is not None:
                stack.enter_context(_patched(sys, name, _TeeStream(stream, name, self._record)))
        return self

    def __exit__(self, *exc_info) -> None:
        self._stack.close()


def _interrupt_main_thread() -> None:
    if hasattr(signal, "pthread_kill") and callable(signal.getsignal(signal.SIGINT)):
        # A real signal also wakes a main thread blocked in sleep() or I/O.
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    else:
        # Windows. Without a Python-level SIGINT handler this does nothing,
        # where a real SIGINT might have killed the kernel.
        _thread.interrupt_main()


class _Deadline:
    """Raises KeyboardInterrupt in the main thread if the block outlives ``seconds``.

    The lock makes firing and leaving the block exclusive: once ``__exit__``
    has run, no new interrupt is sent.
    """

    def __init__(self, seconds: float):
        self.fired = False
        self._armed = True
        self._lock = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        with self._lock:
            if self._armed:
                self.fired = True
                _interrupt_main_thread()

    def __enter__(self) -> _Deadline:
        self._timer.start()
        return self

    def __exit__(self, *exc_info) -> None:
        with self._lock:
            self._armed = False
        self._timer.cancel()


def _user_code_was_interrupted(outcome) -> bool:
    return outcome is not None and isinstance(outcome.error_in_exec, KeyboardInterrupt)


def _require_main_thread() -> None:
    if threading.current_thread() is not threading.main_thread():
        # The timeout interrupt goes to the main thread; elsewhere it would hit the wrong code.
        raise RuntimeError("InKernelRunner runs code on the kernel's main thread only")


class InKernelRunner:
    """Runs code in ``shell``'s user namespace; call ``run`` on the main thread only."""

    def __init__(self, shell):
        self.shell = shell

    def run(self, code: str, timeout: float) -> ExecutionResult:
        """Run ``code`` like a cell (not stored in history); interrupt it after ``timeout``."""
        _require_main_thread()
        started = time.perf_counter()
        outcome = None
        interrupted_outside_code = False
        deadline = _Deadline(timeout)
        with _OutputCapture(self.shell) as capture:
            try:
                with deadline:
                    outcome = self.shell.run_cell(code, store_history=False)
                if deadline.fired and not _user_code_was_interrupted(outcome):
                    # The interrupt was sent as the code finished: let it land here.
                    time.sleep(LATE_INTERRUPT_WAIT)
            except KeyboardInterrupt:
                # Raised outside the user's code (IPython catches it inside):
                # our late timeout interrupt, or the user pressing stop.
                interrupted_outside_code = True
        outputs = capture.outputs
        error = None if outcome is None else outcome.error_before_exec or outcome.error_in_exec
        if error is not None and not any(o["output_type"] == "error" for o in outputs):
            # e.g. a UsageError, which IPython prints as one line instead of a traceback
            outputs.append(_error_output(type(error).__name__, str(error), []))
        if deadline.fired:
            status = "timeout"
        elif interrupted_outside_code:
            status = "cancelled"
        elif any(o["output_type"] == "error" for o in outputs):
            status = "error"
        else:
            status = "ok"
        return ExecutionResult(status=status, outputs=outputs, duration_ms=(time.perf_counter() - started) * 1000)

    def inspect(self, code: str, timeout: float) -> str | None:
        """Run a lookup snippet out of sight: what it printed, or None if it ran past ``timeout``.

        It runs in the user namespace (the snippets read it and leave no names
        behind) but not as a cell: nothing is shown, nothing enters the
        history or the execution count. A snippet that raises gives what it
        printed before, like a silent kernel execution.
        """
        _require_main_thread()
        printed = io.StringIO()
        deadline = _Deadline(timeout)
        try:
            with deadline, contextlib.redirect_stdout(printed), contextlib.redirect_stderr(io.StringIO()):
                try:
                    exec(compile(code, "<ci-jupyterlab lookup>", "exec"), self.shell.user_ns)
                except Exception:
                    pass
            if deadline.fired:
                time.sleep(LATE_INTERRUPT_WAIT)  # let a late interrupt land here, not in the user's next cell
        except KeyboardInterrupt:
            return None
        return None if deadline.fired else printed.getvalue()
