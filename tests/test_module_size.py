"""Module size: no module in src/ or ci_jupyterlab/ over 600 lines (small modules, one job each: docs/architecture.md)."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MOST_LINES = 600
#: Where the rule holds, and the kinds of file it counts there.
TREES = {"src": (".ts", ".tsx"), "ci_jupyterlab": (".py",)}
#: Generated or built, not written by hand: scripts/generate_contract.py writes the first, jlpm build the second.
EXEMPT = {"src/server/contract.ts"}
EXEMPT_TREES = ("ci_jupyterlab/labextension/",)


def oversized(root: Path = ROOT) -> list[str]:
    """Each module over ``MOST_LINES`` lines, with its count, biggest first."""
    found = []
    for tree, suffixes in TREES.items():
        for path in (root / tree).rglob("*"):
            relative = path.relative_to(root).as_posix()
            if path.suffix not in suffixes or relative in EXEMPT or relative.startswith(EXEMPT_TREES):
                continue
            lines = len(path.read_text(encoding="utf-8").splitlines())
            if lines > MOST_LINES:
                found.append((lines, relative))
    return [
        f"{relative}: {lines} lines (at most {MOST_LINES}: split it by its jobs)"
        for lines, relative in sorted(found, reverse=True)
    ]


def test_no_module_is_over_600_lines():
    assert oversized() == []


def test_a_module_over_the_limit_is_named(tmp_path):
    (tmp_path / "src" / "chat").mkdir(parents=True)
    (tmp_path / "ci_jupyterlab" / "labextension").mkdir(parents=True)
    (tmp_path / "src" / "chat" / "big.tsx").write_text("x;\n" * (MOST_LINES + 1))
    (tmp_path / "src" / "chat" / "fits.ts").write_text("x;\n" * MOST_LINES)
    (tmp_path / "ci_jupyterlab" / "loop.py").write_text("x = 1\n" * (MOST_LINES + 40))
    (tmp_path / "ci_jupyterlab" / "labextension" / "built.py").write_text("x = 1\n" * 5000)
    assert oversized(tmp_path) == [
        "ci_jupyterlab/loop.py: 640 lines (at most 600: split it by its jobs)",
        "src/chat/big.tsx: 601 lines (at most 600: split it by its jobs)",
    ]
