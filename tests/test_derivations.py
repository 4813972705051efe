"""The project's own derivations: every verdict as expected, and the seed notes' mistakes caught."""

from __future__ import annotations

import pytest

from conftest import ROOT
from derivcheck.errors import Location
from derivcheck.expressions import parse_chain, parse_expression
from derivcheck.results import Verdict
from derivcheck.spec import load_spec
from derivcheck.syntax import to_text
from derivcheck.checkers import check_file
from derivcheck.options import Options

FILES = sorted((ROOT / "derivations").glob("*.yaml"))


@pytest.fixture(scope="module")
def results():
    return {path.name: check_file(str(path), Options()) for path in FILES}


def test_every_seed_note_has_a_derivation_citing_it():
    seeds = ["000_4b5914b41f7ada17", "001_de21d2c35a85a90e", "002_c069208422a987dc",
             "003_6ea3ffdf2caa7efa", "004_3a3f81c7f111ea52"]
    texts = [path.read_text(encoding="utf-8") for path in FILES]
    for seed in seeds:
        assert any(seed in text for text in texts), seed


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_verdict_is_as_expected(results, path):
    result = results[path.name]
    assert result.error is None, result.error
    bad = [(c.name, c.verdict.value, c.error, c.counterexamples[:1]) for c in result.claims if not c.ok]
    assert not bad
    assert result.status == 0


def claim(results, file: str, name: str):
    matches = [c for c in results[file].claims if c.name.startswith(name)]
    assert len(matches) == 1, (file, name, [c.name for c in results[file].claims])
    return matches[0]


@pytest.mark.parametrize("file, name, code", [
    ("seed000_sigmoid_chain_rule.yaml", "the note's line with an extra factor f", "extra_factor"),
    ("seed000_one_neuron_backprop.yaml", "the note's ∂e/∂w2 with σ(z2) for σ'(z2)", "function_for_derivative"),
    ("seed000_one_neuron_backprop.yaml", "the note's ∂e/∂w1 with σ'(z)[1 - σ(z)]", "derivative_for_function"),
    ("seed001_theta_chain.yaml", "the note's ∂J/∂θ(2)", "unexplained"),
    ("seed001_theta_chain.yaml", "the note's (1)", "missing_factor"),
    ("seed001_delta_equations.yaml", "the note's (8)", "swapped_indices"),
    ("seed001_delta_equations.yaml", "vector form of the note's (8)", "transpose"),
    ("seed002_index_form.yaml", "the note's z_j^l with w_kj", "swapped_indices"),
    ("seed002_index_form.yaml", "the note's ∂C/∂w_jk^{L-1}", "unexplained"),
    ("seed002_index_form.yaml", "the note's δ_j^l = δ_j^{l+1} w_jk^{l+1}", "index_on_one_side"),
    ("seed003_generic_f_batch.yaml", "the note's recursion with W_ml^(3)", "swapped_indices"),
    ("seed003_generic_f_batch.yaml", "the note's ∂L/∂W_ke^(2)", "wrong_index"),
    ("seed004_general_delta_recursion.yaml", "the open question, without the summation over j", "missing_sum"),
    ("seed004_general_delta_recursion.yaml", "the note's δ^(l) = (W^(l+1) δ^(l+1))", "swapped_indices"),
    ("seed004_cross_entropy_any_targets.yaml", "ŷ_c - y_c without sum_k y_k = 1", "needs_one_hot"),
    ("seed004_vector_form.yaml", "the same without the transpose", "transpose"),
    ("seed000_steps.yaml", "df/dx of the logistic function, line by line", "extra_factor"),
])
def test_the_notes_mistakes_are_caught_and_explained(results, file, name, code):
    found = claim(results, file, name)
    assert found.verdict is Verdict.FALSE and found.counterexamples
    assert found.diagnosis.code == code, found.diagnosis
    if code == "unexplained":
        assert found.diagnosis.truth  # the true value is shown instead


NOTES = sorted((ROOT / "derivations" / "notes").glob("seed*.md"))


@pytest.fixture(scope="module")
def notes():
    return {path.name: check_file(str(path), Options()) for path in NOTES}


def test_the_five_seed_notes_are_notes():
    assert [path.name for path in NOTES] == [f"seed00{n}.md" for n in range(5)]


@pytest.mark.parametrize("path", NOTES, ids=lambda p: p.name)
def test_every_seed_note_is_checked_as_it_is_written(notes, path):
    result = notes[path.name]
    assert result.error is None, result.error
    assert not [(c.name, c.verdict.value, c.error) for c in result.claims if not c.ok]
    assert result.status == 0


@pytest.mark.parametrize("note, line, name, code", [
    ("seed000.md", 52, "line 52", "missing_factor"),  # the extra factor f (= 1/q): q is missing to cancel it
    ("seed000.md", 94, "∂e/∂w2 with σ(z2) for σ'(z2)", "function_for_derivative"),
    ("seed000.md", 123, "∂e/∂w1 with σ'(z)[1 - σ(z)]", "derivative_for_function"),
    ("seed001.md", 64, "(1) ∂J/∂θ(3) without f'(z(4))", "missing_factor"),  # in the θ chain's section model
    ("seed001.md", 71, "∂J/∂θ(2) with a(3) for θ(3) f'(z(4))", None),  # the denominator swapped: no one edit
    ("seed001.md", 162, "(3) without the sum over j", "missing_sum"),
    ("seed001.md", 182, "(8) without the transpose", "transpose"),
    ("seed002.md", 71, "z_j^l with w_kj", "swapped_indices"),
    ("seed002.md", 120, "δ_j^l = δ_j^{l+1} w_jk^{l+1}", "index_on_one_side"),
    ("seed003.md", 495, "∂L/∂W_ke^(2) with δ_k^(2) for δ_e^(2)", "wrong_index"),  # the loss named L
    ("seed003.md", 498, "the recursion with W_ml for W_lm", None),
    ("seed004.md", 190, "∂L/∂w_ij^(l) with c for i, at every layer l", "index_on_one_side"),
    ("seed004.md", 242, "δ^(l) = (W^(l+1) δ^(l+1)) ⊙ f'(s^(l)), no transpose", "transpose"),
    ("seed004.md", 261, "step iv", "transpose"),
    ("seed004.md", 294, "the open question, without the summation over j", "missing_sum"),
])
def test_the_seed_notes_mistakes_are_false_at_their_lines(notes, note, line, name, code):
    found = [c for c in notes[note].claims if c.name.startswith(name)]
    assert len(found) == 1 and found[0].verdict is Verdict.FALSE and found[0].expect == "false"
    assert found[0].location.split(":")[-2] == str(line)
    diagnoses = [found[0].diagnosis] + [step.diagnosis for step in found[0].steps]
    assert code is None or code in [d.code for d in diagnoses if d is not None], diagnoses


@pytest.mark.parametrize("file, name", [
    ("seed000_gradient_of_norm.yaml", "∂f/∂x at (3, 2)"),
    ("seed002_index_form.yaml", "∂C/∂w_jk^{L-1} corrected"),
    ("seed002_index_form.yaml", "δ_j^l = sum_k w_kj^{l+1}"),
    ("seed004_general_delta_recursion.yaml", "the open question, with the summation over j"),
    ("seed004_softmax_cross_entropy.yaml", "softmax Jacobian"),
    ("seed001_linear_regression_cost.yaml", "J(0, 1) = 1/8 · 4 = 1/2"),
])
def test_the_corrections_are_proved(results, file, name):
    assert claim(results, file, name).verdict is Verdict.PROVED


def test_cross_entropy_simplification_is_said_to_need_one_hot(results):
    found = claim(results, "seed004_softmax_cross_entropy.yaml", "= ŷ_c - y_c, because sum_k y_k = 1")
    assert found.verdict is Verdict.PROVED
    assert any("one_hot" in note for note in found.notes)


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_claim_and_correction_reads_back_as_what_it_says(results, path):
    """to_text of a claim parses back to the same tree; every printed correction parses at all."""
    spec = load_spec(str(path))
    origin = Location(str(path), 1, 1)
    for claim in spec.claims:
        for expression in claim.steps or (claim.equation.lhs, claim.equation.rhs):
            assert parse_expression(to_text(expression), origin, spec.scope) == expression, to_text(expression)
    for checked in results[path.name].claims:
        diagnoses = [checked.diagnosis] + [step.diagnosis for step in checked.steps]
        for diagnosis in (d for d in diagnoses if d is not None and d.corrected):
            corrected = diagnosis.corrected.split(": ", 1)[-1] if ": " in diagnosis.corrected.split(" = ")[0] \
                else diagnosis.corrected
            parse_chain(corrected, origin, spec.scope) if " = " in corrected else \
                parse_expression(corrected, origin, spec.scope)
