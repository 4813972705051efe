"""Notes as they are written: Markdown with a front matter, LaTeX with `% derivcheck:` lines."""

from __future__ import annotations

import json

import pytest

from derivcheck.errors import InputError
from derivcheck.notes import read_note, starts_with_model
from derivcheck.results import Verdict
from derivcheck.spec import parse_spec
from derivcheck.checkers import check_file
from derivcheck.options import Options

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
    ("$$x = x$$\n" + "$$= x =$$\n" * 50_000, 1),  # one chain of 50,000 displays (its end looked at, not joined)
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


SECTIONS = """---
symbols: [x]
---
$$\\frac{d}{dx} x^2 = 2 x$$

<!-- derivcheck: model
symbols: [u]
let:
  E: u^3
-->

$$\\frac{dE}{du} = 3 u^2$$

<!-- derivcheck: expect false -->
$$\\frac{dE}{du} = 3 u$$

<!-- derivcheck: model -->
$$\\frac{\\partial}{\\partial x} x^3 = 3 x^2$$
"""


def test_a_section_states_its_own_model_for_the_equations_below_it(write):
    note = read_note(SECTIONS, "n.md")
    assert [(s.line, s.model.split("\n")[6:8]) for s in note.sections] == [(6, ["symbols: [u]", "let:"])]
    assert [(e.line, e.section) for e in note.equations] == [(4, 0), (12, 1), (15, 1), (18, 0)]
    result = check_file(write(SECTIONS, "n.md"), Options())
    assert [(c.location.split(":")[-2], c.verdict) for c in result.claims] == [
        ("4", Verdict.PROVED), ("12", Verdict.PROVED), ("15", Verdict.FALSE), ("18", Verdict.PROVED)]
    assert result.claims[2].diagnosis.code == "missing_factor" and result.status == 0


def test_a_latex_note_states_a_section_model_in_derivcheck_lines(write):
    text = ("% derivcheck: symbols: [x]\n\\[ x \\cdot 1 = x \\]\n% derivcheck: model\n% derivcheck: symbols: [u]\n"
            "% derivcheck: let: {E: u^3}\n\\[ \\frac{dE}{du} = 3 u^2 \\]\n\\[ u = x \\]\n")
    note = read_note(text, "n.tex")
    assert "u" not in note.model and [e.section for e in note.equations] == [0, 1, 1]
    result = check_file(write(text, "n.tex"), Options())
    assert [c.verdict for c in result.claims] == [Verdict.PROVED, Verdict.PROVED, Verdict.SKIPPED]
    assert "n.tex:7:4: cannot tell which values 'x' takes" in result.claims[2].error  # a letter in u's model


def test_a_section_model_that_cannot_be_read_is_an_error_of_its_equations_only(write):
    broken = SECTIONS.replace("let:\n  E: u^3", "lett:\n  E: u^3").replace(
        "<!-- derivcheck: expect false -->", "<!-- derivcheck: skip -->")
    path = write(broken, "n.md")
    result = check_file(path, Options())
    assert [c.verdict for c in result.claims] == [Verdict.PROVED, Verdict.ERROR, Verdict.SKIPPED, Verdict.PROVED]
    assert result.claims[1].error.startswith(f"{path}:12:3: the model of its section cannot be used: {path}:8:1: "
                                             "unknown key 'lett' in the file (did you mean 'let'?")
    assert result.status == 2


def test_a_model_comment_inside_the_front_matter_or_a_display_is_no_section():
    text = "---\nsymbols: [x]\ndescription: '<!-- derivcheck: model'\n---\n$$x = x$$\n"
    assert read_note(text, "n.md").sections == ()


def test_an_equation_left_open_with_equals_says_how_to_continue_it(write):
    text = "---\nsymbols: [x]\n---\n$$x^2 =$$\n\n$$= x \\cdot x =$$\n\n$$= x x$$\n\n$$2 x =$$\n\n$$y = 1$$\n"
    equations = read_note(text, "n.md").equations
    assert [" ".join(e.latex.split()) for e in equations] == [r"x^2 = x \cdot x = x x", "2 x =", "y = 1"]
    result = check_file(write(text, "n.md"), Options())
    assert result.claims[0].verdict is Verdict.PROVED and len(result.claims[0].steps) == 2
    assert result.claims[1].error.endswith("n.md:10:3: the equation ends with = (to continue it in the next "
                                           "display, start that one with =)"), result.claims[1].error


@pytest.mark.parametrize("path, head, section", [
    ("n.md", "---\nsymbols: [x]\n---\n", "<!-- derivcheck: model\nsymbols: [u]\n-->\n$$= u$$\n"),
    ("n.tex", "% derivcheck: symbols: [x]\n", "% derivcheck: model\n% derivcheck: symbols: [u]\n\\[= u\\]\n"),
])
def test_section_models_are_bounded_and_read_in_one_pass(path, head, section):
    many = head + section * 20_000  # linear: each section's YAML kept once, without the lines above it
    note = read_note(many, path)
    assert len(note.sections) == 20_000 and [e.section for e in note.equations[-2:]] == [19_999, 20_000]
    with pytest.raises(InputError, match=r"too many section models \(20,000\) \(limit note_models = 20"):
        parse_spec(many, path)
