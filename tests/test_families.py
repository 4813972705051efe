"""The diagnoses of any computation: each mistake made in a true claim of a forward file or a ReLU network
is named with its code, and its corrected claim (when one edit gives it) holds."""

from __future__ import annotations

import time

import pytest

from computations import BAG, FLIP, SEEN, forward_head
from conftest import ROOT, network_file
from derivcheck.judge import Judge
from derivcheck.results import Verdict


def claims(*lines: tuple[str, str | None]) -> str:
    out = ["claims:"]
    for claim, scope in lines:
        out.append(f"  - claim: \"{claim}\"")
        if scope:
            key, _, rest = scope.partition(" ") if scope.startswith("where ") else ("for", "", scope)
            out.append(f"    {key}: {rest}")
    return "\n".join(out) + "\n"


# (file, mutated claim, for/where, code, the corrected claim: None when no edit of the claim gives it)
MUTANTS = [
    ("forward_conv1d.yaml", "dL/dx[n][c][i] = sum(f, sum(t, sum(k in 1..K, [t+k-1 == i] * dy[n][f][t] * "
     "w[f][c][K-k+1])))", None, "index_reflection",
     "dL/dx[n][c][i] = sum(f, sum(t, sum(k in 1..K, [t + k - 1 == i] * dy[n][f][t] * w[f][c][k])))"),
    ("forward_conv1d.yaml", "dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+K-k]))", None,
     "index_reflection", "dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+k-1]))"),
    (FLIP, "dL/dx[i] = dy[T+1-i] * w[i]", None, "index_reflection", "dL/dx[i] = dy[T+1-i] * w[T-i+1]"),
    ("forward_conv1d.yaml", "dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+k-2]))", None, "index_shift",
     "dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+k-1]))"),
    ("forward_rnn_bptt.yaml", "dL/dh[t][j] = dh[t][j] + sum(k, W[k,j] * (1 - h[t][k]^2) * dL/dh[t+1][k])",
     "t in 1..T-1", "index_shift",
     "dL/dh[t][j] = dh[t][j] + sum(k, W[k,j] * (1 - h[t+1][k]^2) * dL/dh[t+1][k])"),
    ("forward_conv1d.yaml", "dL/dx[n][c][i] = sum(f, sum(t, sum(k, [t+k == i] * dy[n][f][t] * w[f][c][k])))", None,
     "index_shift", "dL/dx[n][c][i] = sum(f, sum(t, sum(k, [t + k - 1 == i] * dy[n][f][t] * w[f][c][k])))"),
    ("forward_tied_autoencoder.yaml", "dJ/dW = e @ h.T + (h * (1 - h) * (W @ e)) @ x.T", None, "transpose",
     "dJ/dW = h @ e.T + (h * (1 - h) * (W @ e)) @ x.T"),
    ("forward_conv1d.yaml", "dL/db[f] = sum(t, dy[1][f][t])", None, "missing_sum",
     "dL/db[f] = sum(n, sum(t, dy[n][f][t]))"),
    ("forward_softmax_l2.yaml", "dJ/db[c] = 1/N * (p[1,c] - Y[1,c])", None, "missing_sum",
     "dJ/db[c] = sum(n, 1 / N * (p[n,c] - Y[n,c]))"),
    ("forward_softmax_l2.yaml", "dJ/dW = X.T @ (p - Y) / N + reg*W", None, "term_factor",
     "dJ/dW = (X.T @ (p - Y)) / N + 2 * reg * W"),
    ("forward_batchnorm.yaml", "dL/dx[n,j] = gamma[j] / (N * sqrt(var[j] + eps)) * (dout[n,j] - sum(m, dout[m,j]) "
     "- xhat[n,j] * sum(m, dout[m,j] * xhat[m,j]))", None, "term_factor",
     "dL/dx[n,j] = gamma[j] / (N * sqrt(var[j] + eps)) * (N * dout[n,j] - sum(m, dout[m,j]) - xhat[n,j] * "
     "sum(m, dout[m,j] * xhat[m,j]))"),
    ("forward_attention.yaml", "dL/ds[j] = alpha[j] * (u[j] + sum(i, alpha[i] * u[i]))", None, "term_sign",
     "dL/ds[j] = alpha[j] * (u[j] - sum(i, alpha[i] * u[i]))"),
    ("forward_tied_autoencoder.yaml", "dJ/dW = h @ e.T - (h * (1 - h) * (W @ e)) @ x.T", None, "term_sign",
     "dJ/dW = h @ e.T + (h * (1 - h) * (W @ e)) @ x.T"),
    ("forward_word2vec.yaml", "dJ/dU[m,w] = (yhat[w] - 1) * vc[m]", "where w != o", "extra_term",
     "dJ/dU[m,w] = yhat[w] * vc[m]"),
    ("forward_embedding.yaml", "dL/dWemb[ids[t], e] = dx[t,e]", "t in 1..T", "multiplicity",
     "dL/d(Wemb[ids[t],e]) = sum(n, [ids[n] == ids[t]] * dx[n,e])"),
    (BAG, "dL/dEmb[v,e] = dh[e]", "v in 1..2", "multiplicity", "dL/d(Emb[v,e]) = sum(n, [ids[n] == v]) * dh[e]"),
    (SEEN, "dL/dEmb[v,e] = sum(t, [ids[t] == v]) * dh[e]", None, "multiplicity",
     "dL/d(Emb[v,e]) = [sum(t, [ids[t] == v]) > 0] * dh[e]"),
    ("forward_word2vec.yaml", "dJneg/dU[m,w] = sum(k, [neg[k] == w]) * (1 - sigmoid(theta[w])) * vc[m]",
     "where w != o", "argument_negated",
     "d(Jneg)/dU[m,w] = sum(k, [neg[k] == w]) * (1 - sigmoid(-theta[w])) * vc[m]"),
    ("forward_residual.yaml", "dL/dW1 = (h * (W2.T @ dout)) @ x.T", None, "function_for_derivative",
     "dL/dW1 = ((1 - h^2) * (W2.T @ dout)) @ x.T"),
    ("forward_lstm_step.yaml", "dL/dWi[j,k] = dc[j] * gg[j] * ig[j] * x[k]", None, "function_for_derivative",
     "dL/dWi[j,k] = dc[j] * gg[j] * ig[j] * (1 - ig[j]) * x[k]"),
    ("forward_residual.yaml", "dL/dW1 = (W2.T @ dout) @ x.T", None, "missing_factor",
     "dL/dW1 = ((1 - h^2) * (W2.T @ dout)) @ x.T"),
    ("forward_lstm_step.yaml", "dL/dhprev = Ui @ (dc * gg * ig * (1 - ig)) + Uf @ (dc * cprev * fg * (1 - fg)) + "
     "Uo @ (dnext_h * tanh(c) * og * (1 - og)) + Ug @ (dc * ig * (1 - gg^2))", None, "transpose",
     "dL/d(hprev) = Ui.T @ (dc * gg * ig * (1 - ig)) + Uf.T @ (dc * cprev * fg * (1 - fg)) + "
     "Uo.T @ (dnext_h * tanh(c) * og * (1 - og)) + Ug.T @ (dc * ig * (1 - gg^2))"),
    ("forward_attention.yaml", "dL/dq = K.T @ (alpha * (V @ g - alpha.T @ V @ g))", None, "factor",
     "dL/dq = (K.T @ (alpha * (V @ g - alpha.T @ V @ g))) / sqrt(Dk)"),
    ("forward_softmax_l2.yaml", "dJ/ds[n,c] = p[n,c] - Y[n,c]", None, "factor", "dJ/ds[n,c] = (p[n,c] - Y[n,c]) / N"),
    ("forward_svm_l2.yaml", "dJ/dW = X.T @ A / N + 2*reg*W", None, "wrong_quantity",
     "dJ/dW = (X.T @ G) / N + 2 * reg * W"),
    ("forward_lstm_step.yaml", "dL/dcprev[j] = dc[j] * ig[j]", None, "wrong_quantity",
     "dL/d(cprev[j]) = dc[j] * fg[j]"),
]

# (file, claim, the quantities the diagnosis names as held or cut)
PATHS = [
    ("forward_batchnorm.yaml", "dL/dx[n,j] = gamma[j] * dout[n,j] / sqrt(var[j] + eps)",
     "mu[j] and var[j] are treated as constants"),
    ("forward_layernorm.yaml", "dL/dx[n,j] = g[n,j] / sqrt(var[n] + eps)", "mu[n] and var[n] are treated as constants"),
    ("forward_attention.yaml", "dL/dq = K.T @ (alpha * (V @ g)) / sqrt(Dk)", "Z is treated as a constant"),
    ("forward_lstm_step.yaml", "dL/dcprev[j] = dnext_c[j] * fg[j]", "h[j] is treated as a constant"),
    ("forward_residual.yaml", "dL/dx = W1.T @ ((1 - h^2) * (W2.T @ dout))", "the path from x through out is missing"),
    ("forward_tied_autoencoder.yaml", "dJ/dW = h @ e.T", "the path from W through h is missing"),
    ("forward_rnn_bptt.yaml", "dL/dW = diag(1 - h[T]^2) @ gh[T] @ h[T-1].T",
     "only the last step of a is kept: a[t][j] at the earlier steps is treated as a constant"),
]


def model(source: str) -> str:
    """A forward file of derivations/ by its name, or one given as text; with a title."""
    return "title: t\n" + (source if "\n" in source else forward_head(source))


@pytest.mark.parametrize("source, mutant, scope, code, corrected", MUTANTS,
                         ids=[f"{m[3]}: {m[1][:40]}" for m in MUTANTS])
def test_a_mistake_of_any_computation_is_named_and_corrected(check, source, mutant, scope, code, corrected):
    (claim,) = check(model(source) + claims((mutant, scope))).claims
    assert claim.verdict is Verdict.FALSE
    assert (claim.diagnosis.code, claim.diagnosis.corrected) == (code, corrected)
    (fixed,) = check(model(source) + claims((corrected, scope))).claims
    assert fixed.verdict in (Verdict.PROVED, Verdict.HOLDS)


@pytest.mark.parametrize("source, mutant, held", PATHS, ids=[p[2][:40] for p in PATHS])
def test_a_path_held_constant_is_named(check, source, mutant, held):
    (claim,) = check(model(source) + claims((mutant, None))).claims
    assert claim.verdict is Verdict.FALSE and claim.diagnosis.code == "missing_path"
    assert held in claim.diagnosis.message and claim.diagnosis.corrected is None
    assert claim.diagnosis.truth  # the right value at a failing instance, over the file's names


def test_a_penalty_left_out_is_named(check):
    text = (ROOT / "derivations" / "network_logreg_penalty.yaml").read_text(encoding="utf-8").split("claims:")[0]
    (claim,) = check(text + claims(("dC/dw[1][1,k] = 1/S * sum(s, (a[1][1,s] - y[1,s]) * x[k,s])", None))).claims
    assert claim.verdict is Verdict.FALSE and claim.diagnosis.code == "missing_path"
    assert claim.diagnosis.message == ("the penalty's term is missing: the derivative of "
                                       "lam / (2 * S) * sum(k, w[1][1,k]^2) is left out")


def test_the_truth_is_written_over_the_file_lets(check):
    (claim,) = check(model("forward_lstm_step.yaml") + claims(("dL/dcprev[j] = dnext_c[j] * fg[j]", None))).claims
    assert claim.diagnosis.truth == "at j=1: dL/d(cprev[1]) = dc[1]*fg[1]"


RELU = "sizes: [2, 3, 2]\nactivation: relu\noutput: identity"
RELU_BATCH = RELU + "\nbatch: 3\nreduction: mean"


@pytest.mark.parametrize("mutant, network, code", [
    ("dC/dw[l][j,k] = -dC/dz[l][j] * a[l-1][k]", RELU, "sign"),
    ("dC/dw[l][j,k] = 2 * dC/dz[l][j] * a[l-1][k]", RELU, "factor"),
    ("dC/db[1][j] = sum(s, sum(k, w[2][k,j] * (a[2][k,s] - y[k,s])) * relu'(z[1][j,s]))", RELU_BATCH, "mean"),
    ("dC/dw[1][j,k] = sum(s, sum(m, w[2][m,j] * (a[2][m,s] - y[m,s])) * relu'(z[1][j,s]) * x[k,s])", RELU_BATCH,
     "mean"),
])
def test_a_dead_relu_unit_hides_no_factor(check, mutant, network, code):
    # where a unit is dead both sides are 0: the ratio of the truth to the claim is read where they are not
    (claim,) = check(network_file(f"- claim: \"{mutant}\"", network)).claims
    assert claim.verdict is Verdict.FALSE and claim.diagnosis.code == code


def test_the_lets_of_a_derivative_are_the_problem_not_the_answer(check):
    # a truncated gradient: editing h2 (deleting the recurrence) would make it hold; h2 states the problem
    result = check("""
        symbols: [w, h0, x1, x2]
        let:
          h1: tanh(w * h0 + x1)
          h2: tanh(w * h1 + x2)
        claims:
          - claim: d(h2)/d(w) = (1 - h2^2) * h1
    """)
    diagnosis = result.claims[0].diagnosis
    assert result.claims[0].verdict is Verdict.FALSE and not diagnosis.message.startswith("the definition of")
    assert (diagnosis.code, diagnosis.message) == (
        "missing_path", "the path from w through h1 is missing (its use in the definition of h1)")
    assert diagnosis.truth == "dh2/dw = h0*w*(1 - h1^2)*(1 - h2^2) + h1*(1 - h2^2)"  # over the lets


def test_a_diagnosis_does_not_depend_on_the_clock(check, monkeypatch):
    """The search is budgeted by edits tried: a machine ten times slower gives the same diagnosis."""
    text = network_file("- claim: dC/dz[l][j] = sum(k, w[l+1][k,j] * dC/dz[l+1][k]) * sigmoid'(z[l+1][j])\n"
                        "  for: l in 1..L-1", "sizes: [2, 3, 3, 2]")
    quick = check(text, timeout=60.0).claims[0].diagnosis
    judged = Judge.edit_holds

    def slowly(self, *args):
        time.sleep(0.001)
        return judged(self, *args)

    monkeypatch.setattr(Judge, "edit_holds", slowly)
    slow = check(text, timeout=60.0).claims[0].diagnosis
    assert quick.code == slow.code == "derivative_wrong_layer" and quick.corrected == slow.corrected


def test_the_safety_net_of_the_clock_is_reported(check, monkeypatch):
    text = network_file("- claim: dC/dz[l][j] = sum(k, w[l+1][k,j] * dC/dz[l+1][k]) * sigmoid'(z[l+1][j])\n"
                        "  for: l in 1..L-1", "sizes: [2, 3, 3, 2]")
    judged = Judge.edit_holds

    def stuck(self, *args):
        time.sleep(0.05)
        return judged(self, *args)

    monkeypatch.setattr(Judge, "edit_holds", stuck)
    diagnosis = check(text, timeout=0.5).claims[0].diagnosis
    assert diagnosis.code == "unexplained" and "safety net of 0.5 s" in diagnosis.message


def test_the_same_diagnosis_under_a_small_and_a_large_clock(check):
    text = network_file("- claim: dC/dw[l][j,k] = dC/dz[l][j] * a[l][k]", "sizes: [2, 3, 2]")
    small, large = (check(text, timeout=seconds).claims[0].diagnosis for seconds in (0.75, 30.0))
    assert (small.code, small.corrected) == (large.code, large.corrected) == (
        "activation_wrong_layer", "dC/dw[l][j,k] = dC/dz[l][j] * a[l-1][k]")
