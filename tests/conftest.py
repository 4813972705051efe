"""Shared helpers: write a derivation file, check it, run the console script."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from derivcheck.checkers import check_file
from derivcheck.options import Options

ROOT = Path(__file__).resolve().parent.parent


def console_script() -> list[str]:
    script = Path(sys.executable).parent / "derivcheck"
    return [str(script)] if script.exists() else [sys.executable, "-m", "derivcheck"]


def pytest_collection_modifyitems(items):
    """Tests that run the console script are marked `console` (CI runs them against one set of versions)."""
    for item in items:
        if "run" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.console)


@pytest.fixture
def write(tmp_path):
    """write(text, name='d.yaml') → path of a new derivation file (text is dedented)."""

    def _write(text: str, name: str = "d.yaml") -> str:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        return str(path)

    return _write


@pytest.fixture
def check(write):
    """check(text, **options) → FileResult of a derivation given as text."""

    def _check(text: str, **options) -> object:
        return check_file(write(text), Options(**options))

    return _check


@pytest.fixture
def run():
    """run(*args) → CompletedProcess of the installed console script."""

    def _run(*args: str, cwd: str | None = None) -> subprocess.CompletedProcess:
        env = dict(os.environ, COLUMNS="200")
        return subprocess.run(console_script() + list(args), capture_output=True, text=True,
                              cwd=cwd or str(ROOT), env=env, timeout=300)

    return _run


def verdicts(result) -> list[str]:
    assert result.error is None, result.error
    return [claim.verdict.value for claim in result.claims]


def network_file(claims: str, network: str = "sizes: [2, 3, 2]", let: str = "", notation: str = "") -> str:
    """A derivation with the given network body and claims (both as YAML text)."""
    parts = ["network:\n" + textwrap.indent(textwrap.dedent(network).strip(), "  ")]
    if notation:
        parts.append(f"notation: {notation}")
    if let:
        parts.append("let:\n" + textwrap.indent(textwrap.dedent(let).strip(), "  "))
    parts.append("claims:\n" + textwrap.indent(textwrap.dedent(claims).strip(), "  "))
    return "\n".join(parts) + "\n"


