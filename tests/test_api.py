"""The Python API, its display in notebooks, the IPython cell magic and the pytest plugin."""

from __future__ import annotations

import subprocess
import sys
import threading
from fractions import Fraction
from pathlib import Path

import derivcheck
from conftest import ROOT

CALCULUS = """symbols: [x]
claims:
  - name: power rule
    claim: d(x^2)/d(x) = 2*x
  - claim: d(x^3)/d(x) = 2*x^2
"""


def test_check_takes_text_and_returns_results_without_printing(capsys):
    results = derivcheck.check(CALCULUS)
    assert [claim.verdict.value for claim in results.claims] == ["proved", "false"]
    assert results.status == 1 and not results.ok and len(results) == 1
    assert results[0].claims[1].diagnosis.corrected == "d(x^3)/dx = 3 * x^2"
    assert results[0].claims[0].location == "derivation.yaml:3:5"
    assert capsys.readouterr() == ("", "")


def test_check_takes_files_folders_and_notes(tmp_path):
    path = tmp_path / "calc.yaml"
    path.write_text(CALCULUS, encoding="utf-8")
    assert derivcheck.check(path).status == 1 and derivcheck.check(str(tmp_path)).files[0].path == str(path)
    note = "---\nsymbols: [x]\n---\n$$\\frac{\\partial x^2}{\\partial x} = 2x$$\n"
    assert [c.verdict.value for c in derivcheck.check(note, name="hw.md").claims] == ["proved"]
    missing = derivcheck.check(tmp_path / "nowhere.yaml")
    assert missing.status == 2 and "no such file or folder" in missing[0].error
    too_big = derivcheck.check(CALCULUS, limits=("source_bytes=10",))
    assert "text too large" in too_big[0].error


def test_check_off_the_main_thread_gives_the_same_results():
    found = {}
    thread = threading.Thread(target=lambda: found.setdefault("results", derivcheck.check(CALCULUS)))
    thread.start()
    thread.join(120)
    off_main = found["results"]
    on_main = derivcheck.check(CALCULUS)
    assert [(c.verdict, c.proved, c.diagnosis) for c in off_main.claims] == \
        [(c.verdict, c.proved, c.diagnosis) for c in on_main.claims]


def test_results_display_themselves_with_the_latex_of_each_claim():
    results = derivcheck.check(CALCULUS.replace("2*x^2", "2*x^2 + 0*x  # <b>"))
    markdown = results._repr_markdown_()
    assert "$$\n\\frac{\\partial x^{3}}{\\partial x}" in markdown and "The right formula:" in markdown
    html = derivcheck.check(CALCULUS)._repr_html_()
    assert "<td>\\(\\frac{\\partial x^{2}}{\\partial x} = 2 \\, x\\)</td>" in html
    assert "false ✗" in html and "right: d(x^3)/dx = 3 * x^2" in html
    unreadable = derivcheck.check("claims: [\n")
    assert "invalid YAML" in unreadable._repr_html_() and "invalid YAML" in unreadable._repr_markdown_()


def test_grade_returns_exact_scores_and_displays_them():
    graded = derivcheck.grade(ROOT / "examples/grading/hw3.key.yaml", ROOT / "examples/grading")
    assert [(s.student, s.total) for s in graded] == [("ada", 9), ("bob", 0), ("cy", Fraction(9, 2))]
    assert "| bp4 | 1.5 / 3 | right at 6 of 12 instances" in graded._repr_markdown_()
    assert "<b>cy</b>: 4.5 / 9" in graded._repr_html_()
    text_key = (ROOT / "examples/grading/hw3.key.yaml").read_text(encoding="utf-8")
    assert derivcheck.grade(text_key, [ROOT / "examples/grading/ada.yaml"])[0].total == 9


def test_the_cell_magic_checks_a_cell_in_ipython():
    from IPython.core.interactiveshell import InteractiveShell

    shell = InteractiveShell.instance()
    shell.run_line_magic("load_ext", "derivcheck")
    results = shell.run_cell_magic("derivcheck", "", CALCULUS)
    assert [c.verdict.value for c in results.claims] == ["proved", "false"]
    shown, _ = shell.display_formatter.format(results)
    assert "\\(\\frac{\\partial x^{2}}{\\partial x} = 2 \\, x\\)" in shown["text/html"]
    assert "The right formula:" in shown["text/markdown"]
    note = shell.run_cell_magic("derivcheck", "notes.md",
                                "---\nsymbols: [x]\n---\n$$\\frac{\\partial x^2}{\\partial x} = 2x$$")
    assert note[0].path == "notes.md" and note.ok


def test_the_pytest_plugin_makes_a_test_per_claim_only_when_asked(tmp_path):
    (tmp_path / "calc.yaml").write_text(CALCULUS + "  - claim: d(sigmoid(x))/d(x) = sigmoid(x)\n    expect: false\n",
                                        encoding="utf-8")
    (tmp_path / "broken.yaml").write_text("claims: [\n", encoding="utf-8")

    def pytest(*args):
        return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)

    done = pytest("--derivcheck", "calc.yaml", "broken.yaml")
    assert done.returncode == 1
    assert "2 failed, 2 passed" in done.stdout
    assert "calc.yaml:5:5: d(x^3)/d(x) = 2*x^2: false ✗" in done.stdout
    assert "right: d(x^3)/dx = 3 * x^2" in done.stdout
    assert "broken.yaml:2:1: invalid YAML" in done.stdout
    assert pytest("calc.yaml").returncode != 0 and "passed" not in pytest("calc.yaml").stdout


def test_importing_the_package_imports_nothing_heavy():
    done = subprocess.run([sys.executable, "-c", "import sys, derivcheck; print('sympy' in sys.modules)"],
                          capture_output=True, text=True, cwd=Path(ROOT))
    assert done.stdout.strip() == "False"
