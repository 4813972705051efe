"""The edits of the diagnosis families, the paths a derivative can leave out, and the judge they ask."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import sympy as sp

from conftest import ROOT, network_file
from derivcheck import edits, rewriting
from derivcheck import syntax as sx
from derivcheck.errors import Location
from derivcheck.expressions import parse_expression
from derivcheck.forward_edits import ForwardFacts, held_paths
from derivcheck.graph import Cut, Graph, Quantity
from derivcheck.judge import Judge
from derivcheck.limits import Budget
from derivcheck.options import Options
from derivcheck.roles import Role
from derivcheck.spec import load_spec
from derivcheck.verify import FileChecker

HERE = Location("t", 1, 1)
SCOPE = sx.Scope(frozenset({"x", "w", "dy", "K", "T", "N", "S", "reg", "W", "lam", "a", "b", "d", "y", "s"}),
                 frozenset({"sigmoid"}))


def expr(text: str) -> sx.Expr:
    return parse_expression(text, HERE, SCOPE)


def edited(side: sx.Expr, found) -> list[str]:
    return [sx.to_text(edit.apply(side)) for edit in found]


def test_an_index_expression_is_collected_and_written_plainly():
    one, k, big_k = sx.Num("1", HERE), sx.Name("k", HERE), sx.Name("K", HERE)
    assert sx.to_text(rewriting.linear_sum([(1, one), (1, big_k), (-1, expr("K - k + 1"))], HERE)) == "k"
    assert sx.to_text(rewriting.linear_sum([(1, expr("T + 1 - i")), (2, sx.Name("i", HERE))], HERE)) == "T + i + 1"
    assert rewriting.linear_sum([(1, expr("2 * k"))], HERE) is None  # not a whole-number combination of names
    assert rewriting.plus(expr("t + k - 1"), 1) == expr("t + k")
    assert sx.to_text(rewriting.plus(k, -1)) == "k - 1"


def test_every_index_slot_is_shifted_both_ways_but_a_number():
    side = expr("dy[1][t] * x[t+k-1]")
    assert edited(side, edits.index_shifts(side, lambda node, position: False)) == [
        "dy[1][t-1] * x[t+k-1]", "dy[1][t+1] * x[t+k-1]", "dy[1][t] * x[t+k-2]", "dy[1][t] * x[t+k]"]


def test_a_kernel_index_is_reflected_within_its_range():
    side = expr("w[K-k+1] * x[t+K-k]")
    extent = type("Extent", (), {})()
    extent.lo, extent.hi = sx.Num("1", HERE), sx.Name("K", HERE)
    found = edited(side, edits.reflections(side, {"w": (extent,)}, {"k": extent}))
    assert found == ["w[k] * x[t+K-k]",  # the slot of w reflected (and k within it: the same edit, once)
                     "w[K-k+1] * x[t+k-1]"]  # k reflected inside x's slot


def test_one_term_gets_its_sign_or_factor_and_an_index_is_no_term():
    side = expr("x[t+1] / N + reg * W")
    found = list(edits.term_edits(side, edits.size_factors(["N"], HERE)))
    changed = {(edit.code, sx.to_text(edit.apply(side))) for edit in found}
    assert ("term_sign", "x[t+1] / N - reg * W") in changed
    assert ("term_factor", "x[t+1] / N + 2 * reg * W") in changed
    assert ("term_factor", "x[t+1] + reg * W") in changed  # the 1/N of one term cancelled
    assert ("extra_term", "x[t+1] / N") in changed
    assert not any("t+2" in text or "t + 2" in text for _, text in changed)  # t+1 is an index


def test_negation_and_scaling_are_written_as_a_person_would():
    assert sx.to_text(rewriting.negated(expr("y - a"))) == "a - y"
    assert sx.to_text(rewriting.negated(expr("-a - b"))) == "a + b"
    assert sx.to_text(rewriting.negated(expr("-y * s"))) == "y * s"
    assert sx.to_text(rewriting.scaled(expr("d / 2"), Fraction(2))) == "d"
    assert sx.to_text(rewriting.sized(expr("lam / S * w"), sx.Name("S", HERE))) == "lam * w"
    assert sx.to_text(rewriting.sized(expr("x"), sx.BinOp("/", sx.Num("1", HERE), sx.Name("N", HERE), HERE))) == "x / N"


def test_a_number_where_a_sum_belongs_becomes_its_index():
    side = expr("dy[1][f][t] + dy[1][f][t] * x[1][c][t]")
    equation = sx.Equation(expr("x[1][c][t]"), side, HERE)
    found = edited(side, edits.numbered_sums(side, equation, {"dy": ("n", "f", "t"), "x": ("n", "c", "i")}))
    assert found == ["sum(n, dy[n][f][t] + dy[n][f][t] * x[n][c][t])"]


def test_the_paths_tried_come_cheapest_first():
    spec = load_spec(str(ROOT / "derivations" / "forward_batchnorm.yaml"))
    facts = ForwardFacts.of(spec.forward, spec.lets)
    derivative = spec.claims[2].equation.lhs
    found = [paths for _, paths in held_paths(facts, derivative)]
    assert found[:3] == [sx.Paths(cut_into=("mu",)), sx.Paths(cut_into=("var",)), sx.Paths(cut_into=("xhat",))]
    assert found.index(sx.Paths(held=("var",))) < found.index(sx.Paths(held=("mu", "var")))


def test_a_cut_leaves_out_exactly_its_paths():
    graph = Graph()
    x = graph.leaf(sp.Symbol("x"), "input", Quantity(Role.INPUT, "x"))
    m = graph.define(sp.Symbol("m"), 3 * x, Quantity(Role.FORWARD, "m"))
    y = graph.define(sp.Symbol("y"), x * m + x, Quantity(Role.FORWARD, "y"))
    assert graph.unfold(graph.derivative(y, x)) == 6 * x + 1
    assert graph.unfold(graph.derivative(y, x, Cut(held=frozenset({m})))) == 3 * x + 1  # m held constant
    assert graph.unfold(graph.derivative(y, x, Cut(uses=frozenset({(x, y)})))) == 3 * x  # only through m
    assert graph.unfold(graph.derivative(y, x)) == 6 * x + 1  # the ground truth is untouched


def test_the_judge_answers_for_an_edited_equation(write):
    spec = load_spec(write(network_file("- claim: dC/db[l][j] = 2 * dC/dz[l][j]", "sizes: [2, 2]")))
    judge = Judge(spec, Options())
    claim = spec.claims[0]
    evaluator, point = judge.evaluator_for(claim)
    outcome, holding, failing = judge.judge(claim, judge.instances.of(claim), evaluator, point)
    assert outcome["failed"] == len(failing) == 2 and not holding
    right = sx.Equation(claim.equation.lhs, claim.equation.rhs.right, claim.equation.loc)
    assert judge.edit_holds(claim, right, failing, evaluator, Budget())
    assert not judge.edit_holds(claim, claim.equation, failing, evaluator, Budget())
    values = np.asarray(evaluator.value(failing[0].lhs), dtype=float)
    assert values.shape == (Options().points,)


def test_the_proof_starts_from_what_the_numeric_phase_handed_over(write):
    spec = load_spec(write(network_file("- claim: dC/db[l][j] = dC/dz[l][j]", "sizes: [2, 3, 2]")))
    checker = FileChecker(spec, Options())
    checked = checker.numeric(spec.claims[0])
    assert len(checked.holding) == 1 and len(checked.holding[0].instances) == checked.result.instances == 5
    handed = checker.prove(spec.claims[0], checked)
    rebuilt = FileChecker(spec, Options()).prove(spec.claims[0], type(checked)(checked.result))  # a restarted worker
    assert handed.proved == rebuilt.proved == 5


def test_claims_over_the_same_quantities_in_another_order_keep_their_own_instances(check):
    # j first indexes w[1] (4 rows) in one claim and z[2] (2 rows) in the other: the order of first use counts
    first = "- claim: dC/dw[1][j,k] = dC/dz[2][j] * x[k]"
    second = "- claim: dC/dz[2][j] * x[k] = dC/dw[1][j,k]"  # the same quantities, in the other order
    alone = [check(network_file(claim, "sizes: [3, 4, 2]")).claims[0].instances for claim in (first, second)]
    together = [claim.instances for claim in check(network_file(first + "\n" + second, "sizes: [3, 4, 2]")).claims]
    assert alone == together == [12, 6]


def test_the_parts_an_edit_leaves_alone_are_built_once(write, monkeypatch):
    spec = load_spec(write(network_file("- claim: dC/db[l][j] = 2 * dC/dz[l][j]", "sizes: [2, 2]")))
    judge = Judge(spec, Options())
    equation = spec.claims[0].equation
    built = []
    derivative = judge.model._eval_Derivative
    monkeypatch.setattr(judge.model, "_eval_Derivative", lambda node, *rest: built.append(node) or
                        derivative(node, *rest))
    formula = sx.BinOp("*", sx.Num("3", HERE), equation.rhs.right, HERE)  # the formula edited, the truth kept
    edited = sx.Equation(equation.lhs, formula, equation.loc)
    for candidate in (equation, edited, edited):
        judge.instances.build(candidate, {"l": 1, "j": 1}, {}, [])
    assert [node is equation.lhs for node in built] == [True, False]  # the truth once, dC/dz[l][j] once


def test_where_a_letter_indexes_a_node_an_edit_left_alone_is_found_once(write, monkeypatch):
    spec = load_spec(write(network_file("- claim: dC/dw[1][j,k] = dC/dz[1][j] * x[k]", "sizes: [3, 4, 2]")))
    ranges = Judge(spec, Options()).model.ranges
    asked = []
    look = ranges._in_indexed
    monkeypatch.setattr(ranges, "_in_indexed", lambda var, node, *rest: asked.append(node) or look(var, node, *rest))
    side = spec.claims[0].equation.rhs
    edited = sx.BinOp("*", sx.Num("2", HERE), side, HERE)  # an edit around the same nodes
    first, again = ranges.occurrences("j", [side], {}), ranges.occurrences("j", [edited], {})
    assert [o.values for o in first] == [o.values for o in again] == [range(1, 5)]
    assert len(asked) == len([n for n in sx.walk(side) if isinstance(n, sx.Indexed)])  # each node once
