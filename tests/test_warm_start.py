"""What the first request would otherwise load on the server's event loop is loaded when the server starts."""

from __future__ import annotations

import time

import pytest

from ci_jupyterlab.agent import tokens


@pytest.fixture
def vocabulary_not_loaded():
    tokens._encoding.cache_clear()


def test_the_token_vocabulary_is_loaded_beside_the_loop_when_the_extension_starts(vocabulary_not_loaded, extension):
    deadline = time.monotonic() + 30
    while tokens._encoding.cache_info().currsize == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert tokens._encoding.cache_info().currsize == 1
