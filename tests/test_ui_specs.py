"""The Galata specs share one rule the browser run cannot check for itself.

Each Playwright worker has its own JupyterLab and scripted model
(ui-tests/servers.js); a spec finds its worker's through the `test` of
ui-tests/tests/fixtures.ts. A spec that takes `test` straight from Galata would
talk to the first worker's servers from the second and share its script queue.
"""

from __future__ import annotations

import re
from pathlib import Path

SPECS = Path(__file__).parent.parent / "ui-tests" / "tests"
GALATA_TEST = re.compile(r"import\s*\{[^}]*\btest\b[^}]*\}\s*from\s*'@jupyterlab/galata'")


def test_every_spec_takes_test_from_the_fixtures():
    specs = sorted(SPECS.glob("*.spec.ts"))
    assert len(specs) > 10
    wrong = [spec.name for spec in specs if GALATA_TEST.search(spec.read_text())]
    assert wrong == [], f"import {{ test }} from './fixtures' in: {', '.join(wrong)}"
