"""``jupyter ci``: the code interpreter from the command line.

``jupyter ci run "REQUEST"`` starts a kernel, copies the given files into the
working directory, runs the agent loop, writes the notebook of the work and
prints the answer. Progress goes to stderr, the answer to stdout.

``jupyter ci export NOTEBOOK`` saves a notebook and its chat sessions as a
clean notebook, re-runs it in a fresh kernel and prints how much reproduced.

``jupyter ci mcp`` serves the MCP tools over stdio (``mcp_server/stdio.py``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import uuid
from pathlib import Path

# nbformat validates with jsonschema, whose format checkers import rfc3987_syntax when it is
# installed (jupyter-events requires it): that import compiles ~35 Earley grammars, 1.3 s of CPU on
# every start of this command (benchmarks/cli_startup.py), for "iri" formats no notebook or Jupyter
# schema uses. Without it jsonschema leaves those formats unchecked. Only in this process: it runs
# no user code (kernels are processes of their own).
sys.modules.setdefault("rfc3987_syntax", None)

import nbformat
from nbformat.sign import NotebookNotary
from nbformat.v4 import new_markdown_cell

from .agent import (
    AnswerCheck,
    AnswerCutOff,
    ApprovalRequest,
    Assistant,
    Attachments,
    CellDone,
    DataProfile,
    Done,
    Error,
    Event,
    FilesChanged,
    KernelEnvironment,
    LiveKernelState,
    NotebookWarning,
    Question,
    RulesUsed,
    RunCell,
    find_rules,
)
from .agent.executors.file_watch import FileWatchingExecutor
from .agent.executors.kernel import KernelExecutor
from .agent.executors.notebook_file import NotebookFileExecutor
from .agent.files import free_path, write_atomically
from .agent.notebook_view import snapshot_of
from .agent.questions import answer_summary, preset_answer
from .agent.redaction import Redactor
from .export import ExportError, default_export_path, export_notebook, write_new
from .kernel_env import key_variables, verification_env
from .record_notebook import notebook_from_record, quote_request
from .session_files import SessionFiles
from .sessions import SessionStore
from .user_config import load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
DEFAULT_OUTPUT = "ci-run.ipynb"


class UsageError(Exception):
    """Bad input: reported in one line, exit code 2, nothing run."""


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="jupyter ci", description="A code interpreter for Jupyter kernels.")
    commands = top.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="work on a request in a fresh kernel and save the notebook")
    run.add_argument("request", help="what to do, in plain words")
    run.add_argument("--file", action="append", default=[], metavar="PATH", help="a file to work on (repeatable)")
    run.add_argument("--output", "-o", metavar="OUT.ipynb", help=f"notebook to write (default: {DEFAULT_OUTPUT})")
    run.add_argument("--kernel", default="python3", metavar="NAME", help="kernel name (default: python3)")
    run.add_argument("--model", metavar="M", help="model name (default: from configuration)")
    run.add_argument("--max-attempts", type=int, metavar="N", help="failing runs in a row before giving up")
    run.add_argument("--timeout", type=float, metavar="SECONDS", help="seconds a cell may run")
    run.add_argument("--workdir", metavar="DIR", help="the kernel's working directory (default: current)")
    run.add_argument(
        "--force", action="store_true", help="overwrite --output (or, with --notebook alone, NB) if it exists"
    )
    run.add_argument(
        "--notebook",
        metavar="NB.ipynb",
        help="work in this existing notebook: the model sees its cells and may edit them; the result goes to "
        "--output, or back to NB with --force",
    )
    run.add_argument("--no-run-existing", action="store_true", help="with --notebook: do not run its cells first")
    run.add_argument(
        "--choose",
        type=int,
        metavar="N",
        help="when the model asks you to choose, take option N (default: the first); nobody is asked",
    )
    add_gateway_option(run, "the kernel")
    run.add_argument(
        "--allow-install", action="store_true", help="let the code install packages (otherwise they are declined)"
    )
    run.add_argument(
        "--yes",
        action="store_true",
        help="run every step that would wait for approval (shell commands, file changes outside the working "
        "directory, installs; every step with c.CodeInterpreter.approval = 'always'); otherwise they are declined",
    )
    export = commands.add_parser(
        "export", help="save a notebook and its chat sessions as a clean notebook, verified by re-running it"
    )
    export.add_argument("notebook", help="the notebook the chat (or %%%%ci) worked in")
    export.add_argument(
        "--output", "-o", metavar="OUT.ipynb", help="notebook to write (default: NOTEBOOK-export.ipynb, a free name)"
    )
    export.add_argument("--keep-attempts", action="store_true", help="keep failed attempts, as collapsed markdown")
    export.add_argument("--no-verify", action="store_true", help="do not re-run the export in a fresh kernel")
    export.add_argument(
        "--sessions-dir", metavar="DIR", help="where the chat sessions are kept (default: from configuration)"
    )
    export.add_argument("--force", action="store_true", help="overwrite --output if it exists")
    add_gateway_option(export, "the verification's kernel")
    mcp = commands.add_parser(
        "mcp", help="serve the MCP tools over stdio, forwarding to a running Jupyter server if there is one"
    )
    mcp.add_argument("--url", metavar="URL", help="the Jupyter server (default: a running one, from its runtime files)")
    mcp.add_argument("--token", metavar="TOKEN", help="its token (default: $JUPYTER_TOKEN, or its runtime file's)")
    mcp.add_argument("--standalone", action="store_true", help="look for no server: start kernels here")
    mcp.add_argument("--root", metavar="DIR", help="standalone: the folder of the notebooks (default: current)")
    mcp.add_argument(
        "--allow-install", action="store_true", help="standalone: run cells that install packages (else declined)"
    )
    mcp.add_argument(
        "--yes", action="store_true", help="standalone: run every cell that would wait for approval (else declined)"
    )
    return top


def add_gateway_option(command: argparse.ArgumentParser, what: str) -> None:
    command.add_argument(
        "--gateway-url",
        metavar="URL",
        help=f"start {what} on this Jupyter Kernel or Enterprise Gateway (default: $JUPYTER_GATEWAY_URL, if set)",
    )


def kernel_manager_class(args: argparse.Namespace, key: str) -> type | None:
    """The gateway's kernel manager class when one is given (or in the environment), else None (local kernels)."""
    # Imported here: jupyter_server is not needed for local kernels.
    from .gateway import remote_kernel_manager_class, use_gateway

    return remote_kernel_manager_class(key) if use_gateway(args.gateway_url) else None


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        command = {"run": run_request, "export": export_command, "mcp": serve_mcp}[args.command]
        return asyncio.run(command(args))
    except UsageError as exc:
        print(f"jupyter ci: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("jupyter ci: stopped.", file=sys.stderr)
        return EXIT_FAILED


def copy_inputs(files: list[str], workdir: Path) -> list[Path]:
    """Copy each file into ``workdir``; a name already taken gets a new name, never overwritten."""
    placed = []
    for name in files:
        source = Path(name).expanduser()
        if not source.is_file():
            raise UsageError(f"no such file: {name}")
        target = workdir / source.name
        if target.exists() and target.resolve() == source.resolve():
            placed.append(target)
            continue
        target = free_path(target)
        shutil.copy2(source, target)
        placed.append(target)
    return placed


def output_path(args: argparse.Namespace, workdir: Path) -> Path:
    if args.notebook and args.output is None:
        if not args.force:
            raise UsageError(f"give --output for the result, or --force to write it back to {args.notebook}")
        return Path(args.notebook).expanduser()
    if args.output is None:
        return free_path(workdir / DEFAULT_OUTPUT)
    path = Path(args.output).expanduser()
    if path.exists() and not args.force:
        raise UsageError(f"{path} exists; choose another --output or add --force")
    return path


async def run_request(args: argparse.Namespace) -> int:
    request = args.request.strip()
    if not request:
        raise UsageError("the request is empty")
    settings = load_settings(max_attempts=args.max_attempts, cell_timeout=args.timeout)
    problem = settings.problem() or settings.model_problem(args.model)
    if problem is not None:
        raise UsageError(f"{problem.message} {problem.hint}")
    existing = read_existing(args.notebook) if args.notebook else None
    default_dir = Path(args.notebook).expanduser().resolve().parent if args.notebook else Path(".")
    workdir = Path(args.workdir or default_dir).resolve()
    if not workdir.is_dir():
        raise UsageError(f"no such directory: {workdir}")
    out = output_path(args, workdir)
    files = copy_inputs(args.file, workdir)

    # The model's code runs in this kernel: it does not get the key (a gateway's is blanked by its manager).
    hidden = dict.fromkeys(key_variables(dict(os.environ), settings.api_key))
    remote = kernel_manager_class(args, settings.api_key)
    kernel_options = {"manager_class": remote} if remote else {"env": hidden}
    async with (
        Assistant.from_settings(settings) as assistant,
        KernelExecutor(args.kernel, cwd=workdir, **kernel_options) as kernel,
    ):
        runner = kernel if existing is None else NotebookFileExecutor(kernel, existing)
        agent = assistant.agent(
            FileWatchingExecutor(runner, workdir, workdir, ignore={out.name}),
            language=kernel.language,
            approve=approver(allow_install=args.allow_install, yes=args.yes),
            ask=chooser(args.choose),
            model=args.model,
        )
        view = None
        if existing is not None:
            if not args.no_run_existing:
                await run_existing(kernel, existing, settings.cell_timeout)
            view = snapshot_of(existing, active=len(existing.cells) - 1 if existing.cells else None)
        attached = [file.name for file in files]
        context = [
            Attachments(workdir, attached),
            KernelEnvironment(kernel.language, request),
            LiveKernelState(kernel.language),
            DataProfile(workdir, workdir, request, view, settings.data_profile_budget, attached),
        ]
        rules = find_rules(workdir, None, settings.rules_budget)
        async for event in agent.run(
            request, notebook_path=out.name, notebook_dir=str(workdir), context=context, notebook=view, rules=rules
        ):
            report(event)
        if existing is None:
            notebook = notebook_from_record(agent.record, kernel_name=args.kernel, language=kernel.language)
        else:
            notebook = with_answer(existing, agent.record.requests[-1])
    # A cell may have printed a secret; the notebook is a file to share.
    notebook = nbformat.from_dict(Redactor(settings.secrets()).data(notebook))
    nbformat.validate(notebook)
    nbformat.write(notebook, out)
    print(f"Notebook written to {out}", file=sys.stderr)
    answer = agent.record.requests[-1]
    if answer.answer:
        print(answer.answer)
    return EXIT_OK if answer.done_reason == "answered" else EXIT_FAILED


def read_existing(path: str) -> nbformat.NotebookNode:
    """The notebook ``--notebook`` names, every cell with an id (older notebooks have none)."""
    try:
        notebook = nbformat.read(Path(path).expanduser(), as_version=4)
    except FileNotFoundError:
        raise UsageError(f"no such notebook: {path}") from None
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read {path} as a notebook: {exc}") from None
    if any("id" not in cell for cell in notebook.cells):
        for cell in notebook.cells:
            cell.setdefault("id", uuid.uuid4().hex[:8])
        notebook.nbformat_minor = max(notebook.nbformat_minor, 5)  # cell ids are nbformat 4.5
    return notebook


async def run_existing(kernel: KernelExecutor, notebook: nbformat.NotebookNode, timeout: float) -> None:
    """Run the notebook's code cells in order, as Run All does: up to the first that fails."""
    for number, cell in enumerate(notebook.cells, 1):
        if cell.cell_type != "code" or not cell.source.strip():
            continue
        result = await kernel.run(RunCell(f"existing-{number}", cell.source, 0, 1, None, timeout))
        cell.outputs = [nbformat.from_dict(output) for output in result.outputs]
        cell.execution_count = result.execution_count
        if not result.ok:
            summary = result.error_summary() or {}
            print(
                f"  cell #{number} of the notebook failed ({summary.get('ename')}); later cells not run",
                file=sys.stderr,
            )
            return


def with_answer(notebook: nbformat.NotebookNode, request) -> nbformat.NotebookNode:
    """The notebook the request worked in, with the request and its answer as a last markdown cell."""
    notebook.cells = [nbformat.from_dict(cell) for cell in notebook.cells]
    if request.answer:
        notebook.cells.append(new_markdown_cell(f"{quote_request(request.text)}\n\n{request.answer}"))
    return notebook


async def export_command(args: argparse.Namespace) -> int:
    notebook = Path(args.notebook).expanduser()
    if not notebook.is_file():
        raise UsageError(f"no such notebook: {args.notebook}")
    out = Path(args.output).expanduser() if args.output else default_export_path(notebook)
    if out.exists() and not args.force:
        raise UsageError(f"{out} exists; choose another --output or add --force")
    settings = load_settings(sessions_dir=args.sessions_dir)
    sessions = SessionStore(SessionFiles(settings.sessions_dir))
    try:
        export = await export_notebook(
            notebook,
            sessions.record_of,
            keep_attempts=args.keep_attempts,
            run_verification=not args.no_verify,
            cell_timeout=settings.cell_timeout,
            secrets=settings.secrets(),
            kernel_manager_class=kernel_manager_class(args, settings.api_key),
            kernel_env=verification_env(settings),
        )
    except ExportError as exc:
        raise UsageError(f"{exc.message} {exc.hint}".strip()) from None
    if export.trusted:  # its outputs are this run's: signed by the user's notary, it opens trusted
        NotebookNotary().sign(export.notebook)
    if out.exists():  # --force
        write_atomically(out, nbformat.writes(export.notebook))
    else:
        out = write_new(export.notebook, out)
    print(f"Exported to {out}", file=sys.stderr)
    verification = export.verification
    if verification is None:
        print("Not verified (--no-verify).")
    else:
        print(f"Verification: {verification.summary()}")
        if verification.reproduced < len(verification.checks):
            print("Some cells did not reproduce; the export was written anyway, with the reasons in its first cell.")
    return EXIT_OK


async def serve_mcp(args: argparse.Namespace) -> int:
    from .mcp_server.stdio import mcp_command  # the SDK: only for this command

    return await mcp_command(args)


def approver(*, allow_install: bool, yes: bool):
    """The answer to steps that wait for approval: the person who typed the command gave it in advance.

    ``--yes`` approves every step, ``--allow-install`` those that only install
    packages; the rest are declined (the model is told, and works around them).
    """

    async def approve(request: ApprovalRequest) -> bool:
        why = " ".join(request.reasons) or request.reason
        if yes or (allow_install and request.kind == "install"):
            flag = "--yes" if yes else "--allow-install"
            print(f"  approved ({flag}): {why}", file=sys.stderr)
            return True
        needed = "--allow-install or --yes" if request.kind == "install" else "--yes"
        print(f"  not run: {why} ({needed} would run it)", file=sys.stderr)
        return False

    return approve


def chooser(choose: int | None):
    """The answer to the model's questions: option ``--choose N``, else the first; said on stderr."""

    async def ask(question: Question):
        answer = preset_answer(question, choose, "--choose")
        options = "\n".join(f"    {number}. {option}" for number, option in enumerate(question.options, 1))
        print(
            f"  asked: {question.question}\n{options}\n  answered with {answer_summary(question, answer)}",
            file=sys.stderr,
        )
        return answer

    return ask


def report(event: Event) -> None:
    """Progress for a person watching the terminal (stderr)."""
    if isinstance(event, RunCell):
        attempt = f", attempt {event.attempt}" if event.attempt > 1 else ""
        code = "\n".join(f"  | {line}" for line in event.code.splitlines())
        print(f"[step {event.step}{attempt}]\n{code}", file=sys.stderr)
    elif isinstance(event, CellDone):
        error = f": {event.error['ename']}: {event.error['evalue']}" if event.error else ""
        print(f"  -> {event.status}{error}", file=sys.stderr)
        for line in event.checks:
            print(f"  [check] {line}", file=sys.stderr)
    elif isinstance(event, FilesChanged):
        for file in event.files:
            print(f"  wrote {file['path']} ({file['change']}, {file['size']:,} bytes)", file=sys.stderr)
    elif isinstance(event, AnswerCutOff):
        print(f"note: {event.message}", file=sys.stderr)
    elif isinstance(event, RulesUsed):
        print(f"Rules: {', '.join(event.files)}", file=sys.stderr)
    elif isinstance(event, AnswerCheck):
        numbers = ", ".join(event.numbers)
        if event.stage == "sent_back":
            print(
                f"note: the answer states {numbers}, which no output shows; asked the model to check", file=sys.stderr
            )
        else:
            print(f"note: not found in any output: {numbers}", file=sys.stderr)
    elif isinstance(event, NotebookWarning):
        print(f"warning: {event.message}" + (f"\n  {event.hint}" if event.hint else ""), file=sys.stderr)
    elif isinstance(event, Error):
        print(f"error: {event.message}" + (f"\n  {event.hint}" if event.hint else ""), file=sys.stderr)
    elif isinstance(event, Done) and event.reason != "answered":
        print(f"Ended: {event.reason}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
