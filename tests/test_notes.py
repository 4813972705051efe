"""Notes as they are written: Markdown with a front matter, LaTeX with `% derivcheck:` lines."""

from __future__ import annotations

import json

import pytest

from derivcheck.errors import InputError
from derivcheck.notes import read_note, starts_with_model
from derivcheck.results import Verdict
from derivcheck.spec import parse_spec
from derivcheck.verify import Options, check_file

MODEL = """network:
  sizes: [2, 3, 2]
  activation: sigmoid
  loss: half_sse
let:
  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
"""
MARKDOWN = f"""---
title: My backprop notes
{MODEL}---

# Backpropagation

The output error, then BP4 as the note first had it:

$$\\frac{{\\partial C}}{{\\partial z^L_j}} = (a^L_j - y_j)\\,\\sigma'(z^L_j)$$

<!-- derivcheck: name BP4; expect false -->
$$\\frac{{\\partial C}}{{\\partial w^l_{{jk}}}} = a^{{l}}_k \\delta^l_j \\quad (4)$$

\\begin{{aligned}}
\\frac{{\\partial C}}{{\\partial b^l_j}} &= \\delta^l_j \\\\
  &= \\delta^l_j \\cdot 1
\\end{{aligned}}

$\\overset{{pre}}{{z}} = w x$

<!-- derivcheck: skip -->
$$C = \\text{{whatever}} = 2$$

<!-- derivcheck: skip C is a cost of another model here; name C2 -->
$$C = 2$$

$$q(p)$$ has no equals sign, and inline $a = b$ inside prose is not a claim.
"""
TEX = r"""\documentclass{article}
% derivcheck: network:
% derivcheck:   sizes: [1, 1]
% derivcheck:   loss: sse
\begin{document}
The gradient is
% derivcheck: expect false
\[ \frac{\partial C}{\partial w^1_{11}} = (a^1_1 - y_1) x_1 \]
and, with the factor 2,
\begin{equation}
\frac{\partial C}{\partial w^1_{11}} = 2 (a^1_1 - y_1) a^1_1 (1 - a^1_1) x_1 % the chain rule
\end{equation}
\end{document}
"""


def test_the_equations_of_a_markdown_note_with_their_lines_and_markers():
    note = read_note(MARKDOWN, "n.md")
    assert note.has_model and note.model.split("\n")[1] == "title: My backprop notes"  # line 2 is line 2
    lines = [(e.line, e.expect, e.skip, e.name) for e in note.equations]
    assert lines == [(16, "holds", None, None), (19, "false", None, "BP4"), (22, "holds", None, None),
                     (26, "holds", None, None), (29, "holds", "", None),
                     (32, "holds", "C is a cost of another model here", "C2")]
    assert note.equations[0].col == 3  # after the $$


def test_a_markdown_note_is_checked_at_its_lines(write):
    result = check_file(write(MARKDOWN, "n.md"), Options())
    assert [(c.name, c.verdict) for c in result.claims] == [
        ("line 16", Verdict.PROVED), ("BP4", Verdict.FALSE), ("line 22", Verdict.PROVED),
        ("line 26", Verdict.SKIPPED), ("line 29", Verdict.SKIPPED), ("C2", Verdict.SKIPPED)]
    assert result.claims[1].location.endswith("n.md:19:3") and result.claims[1].diagnosis.code == "activation_wrong_layer"
    assert result.claims[1].diagnosis.corrected_latex == r"\frac{\partial C}{\partial w^{(l)}_{jk}} = " \
                                                          r"a^{(l - 1)}_{k} \, \delta^{(l)}_{j}"
    assert len(result.claims[2].steps) == 2  # an aligned chain is a derivation in steps
    assert "n.md:26:2: unknown command \\overset" in result.claims[3].error
    assert result.claims[4].error.endswith("n.md:29:3: skipped: marked `derivcheck: skip`")
    assert result.claims[5].error.endswith("skipped: marked `derivcheck: skip`: C is a cost of another model here")
    assert result.status == 0
    strict = check_file(write(MARKDOWN, "n.md"), Options(strict=True))
    assert strict.claims[3].verdict is Verdict.ERROR and strict.status == 2


def test_a_latex_note_takes_its_model_from_derivcheck_comments(write):
    result = check_file(write(TEX, "n.tex"), Options())
    assert result.error is None, result.error
    assert [(c.location.rsplit(":", 2)[1], c.verdict, c.expect) for c in result.claims] == [
        ("8", Verdict.FALSE, "false"), ("11", Verdict.PROVED, "holds")]
    assert result.status == 0


@pytest.mark.parametrize("text, path, message", [
    ("# notes\n$$a = b$$\n", "n.md", "the note has no model"),
    ("---\nnetwork: {sizes: [1, 1]}\nclaims: []\n---\n$$a = b$$\n", "n.md", "a note's claims are its equations"),
    ("---\nnetwork: {sizes: [1, 1], los: sse}\n---\n", "n.md", "n.md:2:26: unknown key 'los' in network"),
])
def test_a_note_without_a_usable_model_is_one_line(text, path, message):
    with pytest.raises(InputError) as caught:
        parse_spec(text, path)
    assert message in str(caught.value)


def test_notes_through_the_console_script(run, tmp_path):
    (tmp_path / "n.md").write_text(MARKDOWN, encoding="utf-8")
    (tmp_path / "README.md").write_text("# not a note: no front matter\n$$a = b$$\n", encoding="utf-8")
    completed = run("check", str(tmp_path), "--json")
    assert completed.returncode == 0, completed.stdout + completed.stderr
    files = json.loads(completed.stdout)["files"]
    assert [f["path"].rsplit("/", 1)[-1] for f in files] == ["n.md"]  # only the note with a model
    claim = files[0]["claims"][1]
    assert claim["location"].endswith("n.md:19:3") and claim["text"].startswith("\\frac{\\partial C}")
    assert run("check", str(tmp_path / "n.md"), "--strict").returncode == 2


@pytest.mark.parametrize("body, equations", [
    ("$$ a " * 200_000, 0),  # a megabyte of displays with no = (a scan per display would take minutes)
    ("\\begin{align} " * 70_000, 0),  # openers never closed
    ("$$x = x$$\n" * 50_000, 50_000),
    ("<!-- derivcheck: " + " " * 1_000_000 + "\n$$x = x$$\n", 1),  # a comment line that never closes
])
def test_hostile_notes_are_read_in_one_pass(body, equations):
    assert len(read_note("---\nsymbols: [x]\n---\n" + body, "n.md").equations) == equations


def test_a_folder_tells_notes_with_a_model_from_other_markdown():
    assert starts_with_model("---\nsymbols: [x]\n---\n", "n.md") and not starts_with_model("# README\n", "R.md")
    assert starts_with_model("%derivcheck: symbols: [x]\n", "n.tex")
    assert not starts_with_model("% derivcheck: expect false\n\\[x = 1\\]\n", "n.tex")  # a marker is no model
    assert not starts_with_model("---\n", "n.yaml")


def test_two_equations_side_by_side_are_two_claims():
    text = "---\nsymbols: [x]\n---\n$$a = x, \\quad b = 2 \\quad (\\text{if } x > 0) \\qquad (7)$$\n"
    claims = [(e.latex, e.col) for e in read_note(text, "n.md").equations]
    assert claims == [("a = x", 3), (r"b = 2 \quad (\text{if } x > 0) \qquad (7)", 16)]
    one = "---\nsymbols: [x]\n---\n$$\\frac{a}{b} = x \\quad (7)$$\n"
    assert [e.latex for e in read_note(one, "n.md").equations] == [r"\frac{a}{b} = x \quad (7)"]


def test_a_display_that_starts_with_equals_continues_the_chain_above(write):
    text = ("---\nsymbols: [x]\nlet:\n  f: x^2\n---\n$$\\frac{df}{dx} = 2 x$$\n\n"
            "<!-- derivcheck: expect false -->\n$$= 3 x$$\n\n$$= 2 \\cdot x$$\n")
    equations = read_note(text, "n.md").equations
    assert [(e.line, e.col, e.expect) for e in equations] == [(6, 3, "false")]
    assert " ".join(equations[0].latex.split()) == r"\frac{df}{dx} = 2 x = 3 x = 2 \cdot x"
    result = check_file(write(text, "n.md"), Options())
    assert [step.verdict is Verdict.FALSE for step in result.claims[0].steps] == [False, True, True]
    assert result.claims[0].ok and result.status == 0
