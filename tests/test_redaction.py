"""The one redactor: known values, secret environment values, key-shaped strings, in text and data."""

from __future__ import annotations

import json

import pytest

from ci_jupyterlab.agent.redaction import REDACTED, Redactor

# Shaped like real credentials, made up for the test.
KEY_SHAPED = {
    "openai": "sk-proj-Zx81kLmN0pQrStUvWxYz12345",
    "anthropic": "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv",
    "github classic": "ghp_0123456789abcdefghijABCDEFGHIJ0123",
    "github fine-grained": "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFG",
    "aws access key id": "AKIAIOSFODNN7EXAMPLE",
    "jwt": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
    "slack": "xoxb-1234567890-abcdefghij",
    "hugging face": "hf_abcdefghijklmnopqrstuvwxyzABCDEF",
    "pem private key": "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7\nabc\n-----END RSA PRIVATE KEY-----",
}


@pytest.mark.parametrize("kind", sorted(KEY_SHAPED))
def test_key_shaped_strings_are_redacted_whoever_owns_them(kind):
    secret = KEY_SHAPED[kind]
    text = Redactor().text(f"token = '{secret}' # from the vault")
    assert secret not in text and REDACTED in text
    assert text.startswith("token = '") and text.endswith("' # from the vault")


def test_ordinary_text_is_left_alone():
    text = "sk-learn is not a key; scikit-learn, AKIA, eyJ and ghp_ alone are words; df['sk-id'] too"
    assert Redactor(environment=False).text(text) == text


def test_known_values_and_their_reversal(monkeypatch):
    redactor = Redactor(["plain-secret-value"], environment=False)
    assert redactor.text("a plain-secret-value b eulav-terces-nialp") == f"a {REDACTED} b {REDACTED}"


def test_environment_values_are_read_at_each_call(monkeypatch):
    redactor = Redactor()
    assert "late-token-1234" in redactor.text("late-token-1234")
    monkeypatch.setenv("WAREHOUSE_TOKEN", "late-token-1234")
    assert redactor.text("late-token-1234") == REDACTED


@pytest.mark.parametrize("secret", ['with"quote-and\\slash', "naïve-ünïcode-sécret", "tab\tand\nnewline-x"])
def test_data_is_redacted_before_it_is_escaped(secret):
    redactor = Redactor([secret], environment=False)
    data = {"outputs": [{"text": f"printed {secret}!"}], secret: 1}
    dumped = json.dumps(redactor.data(data), ensure_ascii=True)
    assert json.dumps(secret)[1:-1] not in dumped and secret not in dumped
    assert REDACTED in dumped


def test_shapes_are_found_as_the_full_pattern_finds_them_but_fast_on_long_outputs():
    import time

    from ci_jupyterlab.agent.redaction import KEY_SHAPES, REDACTED, _replace_shapes

    samples = [
        "plain text, risk-free, task-based, eyJ not a jwt, AKIA too short, ghp_short",
        "key sk-" + "A" * 30 + " and xsk-" + "B" * 30 + " and ghp_" + "c" * 36 + "\n",
        "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghij AKIAABCDEFGHIJKLMNOP hf_" + "d" * 34,
        "-----BEGIN RSA PRIVATE KEY-----\nabc\n-----END RSA PRIVATE KEY----- after -----BEGIN EC PRIVATE KEY-----\nrest",
        "xoxb-1234567890abc github_pat_" + "e" * 45 + " sk-sk-" + "f" * 25,
    ]
    for text in samples:
        assert _replace_shapes(text) == KEY_SHAPES.sub(REDACTED, text)
    big = "y" * 1_900_000 + " sk-" + "Z" * 40
    started = time.perf_counter()
    assert _replace_shapes(big).endswith(" " + REDACTED)
    assert time.perf_counter() - started < 0.05  # the full pattern alone takes about 150 ms here


SECRET = "Wq7Zp3Lx-warehouse-token-9f8e7d"


@pytest.mark.parametrize(
    "cut",
    [
        f"token = '{SECRET[:20]}…",  # our cuts
        f"token = '{SECRET[:12]}...",  # pandas'
        f"line one\n{SECRET[:9]}\nline three",  # a line cut to its width
        f"the end: {SECRET[:8]}",  # the text cut to its budget
        f"… [300 characters omitted] …{SECRET[-10:]} and on",  # the tail of a head-and-tail cut
        f"{SECRET[-8:]} was the start of the text",
    ],
)
def test_a_piece_of_a_secret_cut_off_is_the_secret(cut):
    text = Redactor([SECRET], environment=False).text(cut)
    assert REDACTED in text
    assert not any(SECRET[i : i + 8] in text for i in range(len(SECRET) - 7)), text


def test_a_piece_of_a_secret_that_goes_on_otherwise_is_left_alone():
    """Only a cut makes a piece the secret: text that merely starts alike is kept."""
    redactor = Redactor(["https://vault.example/token-9f8e7d6c"], environment=False)
    text = "see https://vault.example/docs for more; and Wq7Zp3Lx-other-text"
    assert redactor.text(text) == text


@pytest.mark.parametrize("secret", ["back\\slash-secret-1", "new\nline-secret-22", "quote'and\"both-33"])
def test_a_secret_is_found_as_repr_and_json_write_it(secret):
    redactor = Redactor([secret], environment=False)
    for written in (repr(secret), json.dumps(secret), repr(secret)[:12] + "…"):
        shown = redactor.text(written)
        assert REDACTED in shown and written[1:9] not in shown, shown
