"""Test helpers for ci-jupyterlab (a scripted stand-in for the LLM)."""
