"""What the model is told of a real kernel's variables: the user's data, not a chart's helper numbers."""

from __future__ import annotations

import pytest

from ci_jupyterlab.agent.events import RunCell
from ci_jupyterlab.agent.kernel_context import kernel_context

CHART_AND_DATA = """
import numpy as np
import pandas as pd
sales = pd.DataFrame({"region": ["north", "south"], "revenue": [1200.5, 980.25]})
w, h, pad, dpi = 8, 6, 0.1, 120
x1 = np.float64(2.5)
for i in range(3):
    pass
n_regions = len(sales)
revenue_goal = 2500.0
label = "Q"
flags = [True, False]
"""


async def summary_after(kernel, code: str) -> str:
    result = await kernel.run(RunCell("t", code, 1, 1, None, 60))
    assert result.ok, result.outputs
    return await kernel_context(kernel, "python")


@pytest.mark.asyncio
async def test_helper_numbers_are_left_out_and_the_users_data_kept(kernel):
    summary = await summary_after(kernel, CHART_AND_DATA)

    variables = summary.split("Variables in the kernel:\n", 1)[1].splitlines()
    names = [line[2:].split(":", 1)[0] for line in variables]
    assert names == ["sales", "n_regions", "revenue_goal", "label", "flags", "modules"]
    assert "- revenue_goal: float = 2500.0" in variables
    assert "- label: str = 'Q'" in variables  # one letter of text is data, not a layout number
    assert "- modules: np (numpy), pd (pandas)" in variables


@pytest.mark.asyncio
async def test_only_helper_numbers_say_nothing_of_variables(kernel):
    summary = await summary_after(kernel, "w = 8\nh = 6\npad = 0.1")

    assert summary.startswith("Kernel: Python ")
    assert "Variables in the kernel" not in summary
    assert "pad" not in summary
