"""Import rules: the server extension loads without IPython; the agent imports no server, no IPython, nothing else of ours."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

BLOCK_IPYTHON = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name == "IPython" or name.startswith("IPython."):
            raise ImportError("IPython is not installed here")
sys.meta_path.insert(0, Block())
import ci_jupyterlab.app, ci_jupyterlab.handlers, ci_jupyterlab.export, ci_jupyterlab.cli
print("loaded")
"""


def test_the_server_extension_loads_without_ipython():
    done = subprocess.run([sys.executable, "-c", BLOCK_IPYTHON], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "loaded"


AGENT = Path(__file__).resolve().parents[1] / "ci_jupyterlab" / "agent"
#: What the agent package never imports: it is plain Python that every front end shares.
FORBIDDEN = ("tornado", "jupyter_server", "IPython", "ipykernel")


def _imports(tree: ast.AST, module: str):
    """(absolute module imported, whether an ``except ImportError`` guards it) for each import."""
    guarded: set[ast.AST] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(h.type, ast.Name) and h.type.id in ("ImportError", "ModuleNotFoundError") for h in node.handlers
        ):
            guarded.update(child for statement in node.body for child in ast.walk(statement))
    package = module.rsplit(".", 1)[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, node in guarded
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                yield ".".join(base + ([node.module] if node.module else [])), node in guarded
            else:
                yield node.module, node in guarded


def test_the_agent_imports_nothing_of_the_server_ipython_or_the_rest_of_the_package():
    problems = []
    for path in sorted(AGENT.rglob("*.py")):
        relative = path.relative_to(AGENT.parent.parent).with_suffix("")
        module = ".".join(relative.parts)
        if path.name == "__init__.py":
            module = module.rsplit(".", 1)[0] + ".__init__"
        for imported, guarded in _imports(ast.parse(path.read_text()), module):
            top = imported.split(".")[0]
            if top in FORBIDDEN and not (top == "IPython" and guarded):
                problems.append(f"{module} imports {imported}")
            if imported.startswith("ci_jupyterlab") and not imported.startswith("ci_jupyterlab.agent"):
                problems.append(f"{module} imports {imported}, outside the agent package")
    assert not problems, problems
    assert any(True for _ in AGENT.rglob("*.py"))  # the scan saw the package
