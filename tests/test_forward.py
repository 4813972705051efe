"""Forward files end to end: the examples of format v2 as the docs give them, every true claim proved and
every partner false, the ground truth against an independent numpy computation, the console script."""

from __future__ import annotations

import json
import re

import numpy as np
import pytest

from conftest import ROOT
from derivcheck.errors import Location
from derivcheck.expressions import parse_expression
from derivcheck.numeric import Evaluator
from derivcheck.results import Verdict
from derivcheck.semantics import Model
from derivcheck.spec import load_spec
from derivcheck.checkers import check_file
from derivcheck.options import Options

DOC = (ROOT / "docs" / "FORMAT.md").read_text(encoding="utf-8")
V2 = DOC[DOC.index("## Forward files (format v2)"):DOC.index("## LaTeX between dollar signs")]
EXAMPLES = re.findall(r"```yaml\n(.*?)```", V2, re.S)
FILES = {path.name: path.read_text(encoding="utf-8") for path in sorted((ROOT / "derivations").glob("*.yaml"))}


def test_the_docs_give_the_eight_examples_of_format_v2():
    assert len(EXAMPLES) == 8


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda text: text.splitlines()[0][:40])
def test_every_example_is_a_derivation_file_whose_true_claims_are_proved(example):
    holders = [name for name, text in FILES.items() if example in text]
    assert len(holders) == 1, holders
    result = check_file(str(ROOT / "derivations" / holders[0]), Options())
    assert result.error is None, result.error
    for claim in result.claims:
        wanted = Verdict.FALSE if claim.expect == "false" else Verdict.PROVED
        assert claim.verdict is wanted, (holders[0], claim.name, claim.verdict, claim.error, claim.notes)
    assert any(claim.expect == "false" for claim in result.claims)


# -- the ground truth against numpy and central differences, written without derivcheck ----------------

def _model_values(path: str, point: dict[str, float], expressions: list[str]) -> list[float]:
    model = Model(load_spec(path))
    leaves = {symbol: np.array([point[str(symbol)]]) for symbol in model.graph.leaves}
    evaluator = Evaluator(model.graph, leaves, {})
    return [float(np.asarray(evaluator.value(model.evaluate(
        parse_expression(text, Location(path, 1, 1), model.spec.scope), {})))[0]) for text in expressions]


def _central_difference(function, values: np.ndarray, index, h: float = 1e-6) -> float:
    up, down = values.copy(), values.copy()
    up[index] += h
    down[index] -= h
    return (function(up) - function(down)) / (2 * h)


def test_batch_normalization_gradients_match_central_differences_of_numpy():
    rng = np.random.default_rng(3)
    x, dout = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    gamma, beta, eps = rng.normal(size=3), rng.normal(size=3), 0.7

    def loss(x):
        mu = x.mean(axis=0)
        var = ((x - mu) ** 2).mean(axis=0)
        return float((dout * (gamma * (x - mu) / np.sqrt(var + eps) + beta)).sum())

    point = {"eps": eps}
    for n in range(4):
        for j in range(3):
            point[f"x[{n + 1},{j + 1}]"], point[f"dout[{n + 1},{j + 1}]"] = x[n, j], dout[n, j]
    for j in range(3):
        point[f"gamma[{j + 1}]"], point[f"beta[{j + 1}]"] = gamma[j], beta[j]
    cells = [(n, j) for n in range(4) for j in range(3)]
    ours = _model_values(str(ROOT / "derivations" / "forward_batchnorm.yaml"), point,
                         [f"dL/dx[{n + 1},{j + 1}]" for n, j in cells])
    theirs = [_central_difference(loss, x, cell) for cell in cells]
    assert np.allclose(ours, theirs, rtol=1e-6, atol=1e-8)


def test_backpropagation_through_time_matches_central_differences_of_numpy():
    rng = np.random.default_rng(4)
    T, D, H = 3, 2, 3
    x, h0, dh = rng.normal(size=(T, D)), rng.normal(size=H), rng.normal(size=(T, H))
    U, W, b = rng.normal(size=(H, D)), rng.normal(size=(H, H)) * 0.5, rng.normal(size=H)

    def loss(W):
        h, total = h0, 0.0
        for t in range(T):
            h = np.tanh(b + W @ h + U @ x[t])
            total += float(dh[t] @ h)
        return total

    point = {}
    for t in range(T):
        for k in range(D):
            point[f"x[{t + 1}][{k + 1}]"] = x[t, k]
        for j in range(H):
            point[f"dh[{t + 1}][{j + 1}]"] = dh[t, j]
    for j in range(H):
        point[f"h[0][{j + 1}]"], point[f"b[{j + 1}]"] = h0[j], b[j]
        for k in range(D):
            point[f"U[{j + 1},{k + 1}]"] = U[j, k]
        for i in range(H):
            point[f"W[{j + 1},{i + 1}]"] = W[j, i]
    cells = [(j, i) for j in range(H) for i in range(H)]
    ours = _model_values(str(ROOT / "derivations" / "forward_rnn_bptt.yaml"), point,
                         [f"dL/dW[{j + 1},{i + 1}]" for j, i in cells])
    theirs = [_central_difference(loss, W, cell) for cell in cells]
    assert np.allclose(ours, theirs, rtol=1e-6, atol=1e-8)


# -- through the console script ----------------------------------------------------------------------

def test_a_forward_file_through_the_console_script(run):
    completed = run("check", "derivations/forward_word2vec.yaml", "--json")
    assert completed.returncode == 0, completed.stderr
    claims = json.loads(completed.stdout)["files"][0]["claims"]
    assert [c["verdict"] for c in claims] == ["proved", "proved", "proved", "false", "false", "false", "false"]
    assert claims[1]["instances"] == 12  # where: w != o leaves 4 of the 5 words, times M = 3


def test_a_bad_forward_file_is_one_line_and_the_run_goes_on(run, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("dims: {T: 2}\ninputs:\n  x[t]: T\nforward:\n  y[t]: x[t+1]\nclaims:\n  - dy[1]/dx[2] = 1\n",
                   encoding="utf-8")
    completed = run("check", str(bad), "derivations/forward_conv1d.yaml")
    assert completed.returncode == 2
    assert "bad.yaml:5:3: cannot tell the range of 't' in y[t]" in completed.stdout
    assert "Traceback" not in completed.stdout + completed.stderr
    assert "6 claims: 3 proved" in completed.stdout


def test_the_report_writes_the_forward_equations(run, tmp_path):
    out = tmp_path / "bn.md"
    completed = run("report", "derivations/forward_batchnorm.yaml", "-o", str(out))
    assert completed.returncode == 0, completed.stderr
    text = out.read_text(encoding="utf-8")
    assert "## The computation" in text and "Sizes N = 4, D = 3; inputs x\\[n,j\\]" in text
    assert r"\hat{x}_{nj} = \frac{x_{nj} - \mu_{j}}{\operatorname{sqrt}\left(\mathit{var}_{j} + " \
           r"\mathit{eps}\right)}" in text
    assert r"L = \sum \mathit{dout} \odot \mathit{out}" in text


def test_grad_prints_a_forward_files_backward_pass(run):
    completed = run("grad", "derivations/forward_batchnorm.yaml", "--param", "x[1,1]")
    assert completed.returncode == 0, completed.stderr
    lines = completed.stdout.splitlines()
    assert lines[0] == "dL/dxhat[1,1] = dout[1,1]*gamma[1]" and lines[-1].startswith("dL/dx[1,1] = dL/dmu[1]/4")


def test_a_penalty_that_leaves_the_folded_bias_out(check):
    result = check("""
        network:
          sizes: [2, 3, 1]
          bias: folded
          batch: 3
          reduction: mean
          penalty: lam/(2*S) * sum(l, sum(j, sum(k, [k >= 1] * w[l][j,k]^2)))
        constants: {lam: positive}
        claims:
          - claim: dC/dw[l][j,k] = sum(s, dC/dz[l][j,s] * a[l-1][k,s]) + lam/S * w[l][j,k] * [k >= 1]
          - claim: dC/dw[l][j,k] = sum(s, dC/dz[l][j,s] * a[l-1][k,s]) + lam/S * w[l][j,k]
            expect: false
          - claim: dC/dlam = 0
    """)
    first, regularized, constant = result.claims
    assert first.verdict is Verdict.PROVED and first.instances == 13
    assert regularized.verdict is Verdict.FALSE and regularized.failed == 4  # the bias column of each neuron
    assert {c.instance["k"] for c in regularized.counterexamples} == {0}
    assert "lam is a constant: constants are never differentiated" in constant.error
