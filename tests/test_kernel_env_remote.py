"""Kernels on a gateway: the key is blanked in what the gateway manager sends (it re-reads our environment)."""

from __future__ import annotations

from ci_jupyterlab.cli import parser
from ci_jupyterlab.kernel_env import with_key_blanked

KEY = "sk-remote-0123456789abcdefghijklmnop"


def test_every_variable_holding_the_key_is_sent_empty_to_a_gateway(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("KERNEL_SHARED_KEY", KEY)  # KERNEL_* variables always go to the gateway
    env = with_key_blanked({"KERNEL_USERNAME": "alice", "MY_KEY_COPY": KEY}, KEY)
    assert env == {"KERNEL_USERNAME": "alice", "MY_KEY_COPY": "", "OPENAI_API_KEY": "", "KERNEL_SHARED_KEY": ""}


def test_without_a_key_only_the_key_variable_is_blanked(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    assert with_key_blanked({"KERNEL_USERNAME": "alice"}, "") == {"KERNEL_USERNAME": "alice", "OPENAI_API_KEY": ""}


def test_run_and_export_take_a_gateway_url():
    assert parser().parse_args(["run", "hi", "--gateway-url", "http://gw:8888"]).gateway_url == "http://gw:8888"
    assert parser().parse_args(["export", "a.ipynb", "--gateway-url", "http://gw:8888"]).gateway_url == "http://gw:8888"
    assert parser().parse_args(["run", "hi"]).gateway_url is None
