"""Reports as documents: LaTeX of expressions, Markdown and a complete LaTeX document."""

from __future__ import annotations

import pytest

from conftest import network_file
from derivcheck import expressions as ex
from derivcheck import syntax as sx
from derivcheck.document import render
from derivcheck.latex_writer import latex
from derivcheck.errors import Location
from derivcheck.spec import load_spec
from derivcheck.checkers import check_spec
from derivcheck.options import Options

SCOPE = sx.Scope(frozenset({"w", "a", "z", "delta", "C", "x", "y", "yhat", "L", "theta", "cost"}),
                 frozenset({"sigmoid", "exp", "f"}))


@pytest.mark.parametrize("text, expected", [
    ("dC/dw[l][j,k]", r"\frac{\partial C}{\partial w^{(l)}_{jk}}"),
    ("sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])",
     r"\left(\sum_{k} w^{(l + 1)}_{kj} \, \delta^{(l + 1)}_{k}\right) \, \sigma'\left(z^{(l)}_{j}\right)"),
    ("yhat[i] * ([i == j] - yhat[j])", r"\hat{y}_{i} \, \left(\delta_{ij} - \hat{y}_{j}\right)"),
    ("1/(2*x) * theta[1]^2", r"\frac{1}{2 \, x} \, \theta_{1}^{2}"),
    ("-(x - y)", r"-\left(x - y\right)"),
    ("f'(cost)", r"f'\left(\mathit{cost}\right)"),
    ("sum(k in 1..L, x[k])", r"\sum_{k=1}^{L} x_{k}"),
])
def test_expressions_as_latex(text, expected):
    assert latex(ex.parse_expression(text, Location("f", 1, 1), SCOPE)) == expected


def document(write, form: str) -> str:
    spec = load_spec(write(network_file("""
        - name: BP4
          claim: dC/dw[l][j,k] = delta[l][j] * a[l-1][k]
        - name: a[l] for a[l-1]
          claim: dC/dw[l][j,k] = delta[l][j] * a[l][k]
        - claim: dC/db[l][j] = 2 * delta[l][j] = delta[l][j]
    """, let="""
        delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
        delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
    """)))
    return render(spec, check_spec(spec, Options()), form)


def test_markdown_has_the_network_the_definitions_and_every_verdict(write):
    text = document(write, "md")
    assert text.startswith("# ") and "## The network" in text and "## Definitions" in text
    assert r"z^{(l)}_{j} = \sum_{k} w^{(l)}_{jk} a^{(l-1)}_{k} + b^{(l)}_{j}" in text
    assert "### 1. BP4: proved" in text and "### 2. a\\[l\\] for a\\[l-1\\]: false (not as expected)" in text
    assert "Why: the activation of the wrong layer: a\\[l\\]\\[k\\] should be a\\[l-1\\]\\[k\\]." in text
    assert ("$$\n" r"\frac{\partial C}{\partial w^{(l)}_{jk}} = \delta^{(l)}_{j} \, a^{(l - 1)}_{k}" "\n$$") in text
    assert "\\begin{aligned}" in text and "step 3 equals step 1 again" in text
    assert text.count("$$") % 2 == 0


def test_latex_is_a_complete_document(write):
    text = document(write, "tex")
    assert text.startswith("\\documentclass{article}") and text.rstrip().endswith("\\end{document}")
    assert text.count("\\[") == text.count("\\]") and text.count("\\begin{align*}") == text.count("\\end{align*}")
    assert "\\subsection*{2. a[l] for a[l-1]: false (not as expected)}" in text
    assert text.count("{") == text.count("}")


def test_the_report_command(run, write, tmp_path):
    path = write(network_file("- claim: dC/db[l][j] = -dC/dz[l][j]\n  expect: false"))
    result = run("report", path)
    assert result.returncode == 0 and "Why: the sign is wrong." in result.stdout
    out = tmp_path / "r.tex"
    assert run("report", path, "--format", "tex", "-o", str(out)).returncode == 0
    assert out.read_text(encoding="utf-8").startswith("\\documentclass")
    broken = run("report", write("claims: [\n", "bad.yaml"))
    assert broken.returncode == 2 and "invalid YAML" in broken.stderr and "Traceback" not in broken.stderr


def test_a_notes_section_model_is_written_before_its_equations(write):
    from test_notes import SECTIONS
    spec = load_spec(write(SECTIONS, "n.md"))
    text = render(spec, check_spec(spec, Options()), "md")
    before, section = text.split("From line 12, the note's equations are in a model of their own:")
    assert "E = u^{3}" in section and "E = u^{3}" not in before
    assert section.index("E = u^{3}") < section.index("dE")
