"""The mistake corpus: true backprop claims, and mutants of them with one known mistake each.

    python bench/mistakes.py [--show]

Checks every claim and reports: the share of mutants called false (must be 100%), the share whose
diagnosis names the mutation (target at least 90%), and false alarms on the true claims (must be 0).
--show prints every mutant's diagnosis.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from derivcheck.results import Verdict
from derivcheck.runner import check_files
from derivcheck.options import Options

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from computations import BAG, FLIP, SEEN, SOFTPLUS, forward_head  # noqa: E402

SIGMOID_DELTAS = """
  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])"""
TANH_DELTAS = """
  delta[L][j]: (a[L][j] - y[j]) * tanh'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * tanh'(z[l][j])"""
SOFTMAX_DELTAS = """
  delta[L][j]: yhat[j] - y[j]
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])"""


@dataclass
class Case:
    title: str
    network: str | None  # the YAML of `network:` (None: plain calculus with `symbols: [x, y]`, or `head`)
    let: str
    true: list[tuple[str, str | None]]  # (claim, for range)
    mutants: list[tuple[str, str | None, str]]  # (claim, for range, the code that names the mutation)
    head: str | None = None  # the YAML of a forward file above its claims (its computation, lets included)
    family: str = "MLP"  # what the corpus reports the figures of




CASES = [
    Case("sigmoid [2, 3, 2], half SSE", "{sizes: [2, 3, 2]}", SIGMOID_DELTAS, [
        ("dC/dz[L][j] = delta[L][j]", None),
        ("dC/dz[l][j] = delta[l][j]", "l in 1..L-1"),
        ("dC/db[l][j] = delta[l][j]", None),
        ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", None),
        ("dC/da[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k])", "l in 1..L-1"),
    ], [
        ("dC/dw[l][j,k] = delta[l][j] * a[l][k]", None, "activation_wrong_layer"),
        ("dC/dw[l][j,k] = delta[l][j] * a[l+1][k]", "l in 1..L-1", "activation_wrong_layer"),
        ("dC/dw[l][j,k] = delta[l][k] * a[l-1][k]", None, "wrong_index"),
        ("dC/dw[l][j,k] = delta[l][j] * a[l-1][j]", None, "wrong_index"),
        ("dC/dw[l][j,k] = 2 * delta[l][j] * a[l-1][k]", None, "factor"),
        ("dC/dw[l][j,k] = -delta[l][j] * a[l-1][k]", None, "sign"),
        ("dC/db[l][j] = delta[l][j] / 2", None, "factor"),
        ("dC/db[l][j] = delta[l][j] * sigmoid'(z[l][j])", None, "extra_factor"),
        ("dC/db[l][j] = delta[l-1][j]", "l in 2..L", "wrong_layer"),
        ("dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid(z[L][j])", None, "function_for_derivative"),
        ("dC/dz[L][j] = a[L][j] - y[j]", None, "missing_factor"),
        ("dC/dz[L][j] = (y[j] - a[L][j]) * sigmoid'(z[L][j])", None, "sign"),
        ("dC/dz[L][j] = (a[L][j] - y[j]) * sigmoid'(z[L-1][j])", None, "derivative_wrong_layer"),
        ("dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * sigmoid'(z[l][j])", "l in 1..L-1", "swapped_indices"),
        ("dC/dz[l][j] = w[l+1][k,j] * delta[l+1][k] * sigmoid'(z[l][j])", "l in 1..L-1", "missing_sum"),
        ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l+1][j])", "l in 1..L-1",
         "derivative_wrong_layer"),
        ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k])", "l in 1..L-1", "missing_factor"),
        ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid(z[l][j])", "l in 1..L-1",
         "function_for_derivative"),
        ("dC/dz[l][j] = sum(k, w[l][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])", "l in 1..L-1", "wrong_layer"),
        ("dC/da[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k])", "l in 1..L-1", "swapped_indices"),
        ("dC/da[l][j] = w[l+1][k,j] * delta[l+1][k]", "l in 1..L-1", "missing_sum"),
    ]),
    Case("tanh [2, 3, 3, 2], squared error", "{sizes: [2, 3, 3, 2], activation: tanh, loss: half_sse}",
         TANH_DELTAS, [
             ("dC/dz[l][j] = delta[l][j]", None),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", None),
         ], [
             ("dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * tanh'(z[l][j])", "l in 1..L-1", "swapped_indices"),
             ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * tanh(z[l][j])", "l in 1..L-1",
              "function_for_derivative"),
             ("dC/dz[l][j] = sum(k, w[l+1][k,j] * delta[l+1][k]) * tanh'(z[l+1][j])", "l in 1..L-1",
              "derivative_wrong_layer"),
             ("dC/dz[l][j] = w[l+1][k,j] * delta[l+1][k] * tanh'(z[l][j])", "l in 1..L-1", "missing_sum"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l][k]", None, "activation_wrong_layer"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k] * tanh'(z[l][j])", None, "extra_factor"),
             ("dC/dz[L][j] = a[L][j] - y[j]", None, "missing_factor"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k] / 2", None, "factor"),
         ]),
    Case("softmax [2, 3, 3], cross-entropy, one-hot", "{sizes: [2, 3, 3], output: softmax, targets: one_hot}",
         SOFTMAX_DELTAS, [
             ("dC/dz[L][j] = yhat[j] - y[j]", None),
             ("d(yhat[i])/d(z[L][j]) = yhat[i] * ([i == j] - yhat[j])", None),
             ("dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", None),
         ], [
             ("dC/dz[L][j] = y[j] - yhat[j]", None, "sign"),
             ("d(yhat[i])/d(z[L][j]) = yhat[i] * (1 - yhat[j])", None, "off_diagonal"),
             ("d(yhat[i])/d(z[L][j]) = -yhat[i] * yhat[j]", None, "diagonal"),
             ("dC/dw[L][j,k] = (yhat[j] - y[j]) * a[L][k]", None, "activation_wrong_layer"),
             ("dC/dw[l][j,k] = delta[l][j] * a[l][k]", None, "activation_wrong_layer"),
             ("dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * sigmoid'(z[l][j])", "l in 1..L-1",
              "swapped_indices"),
             ("dC/dz[l][j] = w[l+1][k,j] * delta[l+1][k] * sigmoid'(z[l][j])", "l in 1..L-1", "missing_sum"),
         ]),
    Case("softmax [2, 3], cross-entropy, any targets", "{sizes: [2, 3], output: softmax}", "", [
        ("dC/dz[L][j] = yhat[j] * sum(i, y[i]) - y[j]", None),
    ], [
        ("dC/dz[L][j] = yhat[j] - y[j]", None, "needs_one_hot"),
    ]),
    Case("sigmoid [2, 2], batch of 3, mean", "{sizes: [2, 2], batch: 3, reduction: mean}", "", [
        ("dC/db[1][j] = sum(s, dC/dz[1][j,s])", None),
        ("dC/db[1][j] = 1/S * sum(s, (a[1][j,s] - y[j,s]) * sigmoid'(z[1][j,s]))", None),
    ], [
        ("dC/db[1][j] = sum(s, (a[1][j,s] - y[j,s]) * sigmoid'(z[1][j,s]))", None, "mean"),
        ("dC/db[1][j] = 1/S * sum(s, (a[1][j,s] - y[j,s]) * sigmoid(z[1][j,s]))", None, "function_for_derivative"),
        ("dC/db[1][j] = 1/S * sum(s, a[1][j,s] - y[j,s])", None, "missing_factor"),
        ("dC/db[1][j] = 1/S * (a[1][j,s] - y[j,s]) * sigmoid'(z[1][j,s])", None, "missing_sum"),
    ]),
    Case("generic f, one neuron per layer", "{sizes: [1, 1, 1], activation: f}", "", [
        ("dC/dw[2] = (a[2] - y) * f'(z[2]) * a[1]", None),
        ("dC/dw[1] = (a[2] - y) * f'(z[2]) * w[2] * f'(z[1]) * x", None),
    ], [
        ("dC/dw[2] = (a[2] - y) * a[1]", None, "missing_factor"),
        ("dC/dw[2] = (a[2] - y) * f(z[2]) * a[1]", None, "function_for_derivative"),
        ("dC/dw[1] = (a[2] - y) * f'(z[2]) * w[2] * f'(z[2]) * x", None, "derivative_wrong_layer"),
        ("dC/dw[1] = (a[2] - y) * f'(z[2]) * w[2] * x", None, "missing_factor"),
        ("dC/dw[2] = (a[2] - y) * f'(z[2]) * a[2]", None, "activation_wrong_layer"),
    ]),
    Case("vector form, sigmoid [2, 3, 2]", "{sizes: [2, 3, 2]}", SIGMOID_DELTAS, [
        ("dC/dz[L] = (a[L] - y) * sigmoid'(z[L])", None),
        ("dC/dz[l] = (w[l+1].T @ delta[l+1]) * sigmoid'(z[l])", "l in 1..L-1"),
        ("dC/dw[l] = delta[l] @ a[l-1].T", None),
    ], [
        ("dC/dz[l] = (w[l+1] @ delta[l+1]) * sigmoid'(z[l])", "l in 1..L-1", "transpose"),
        ("dC/dw[l] = a[l-1] @ delta[l].T", None, "transpose"),
        ("dC/dw[l] = delta[l] @ a[l].T", None, "activation_wrong_layer"),
        ("dC/dz[L] = (a[L] - y) * sigmoid(z[L])", None, "function_for_derivative"),
        ("dC/dz[l] = w[l+1].T @ delta[l+1]", "l in 1..L-1", "missing_factor"),
    ]),
    Case("plain calculus", None, "", [
        ("d(x^2 * y)/d(x) = 2 * x * y", None),
        ("d(sigmoid(x * y))/d(x) = sigmoid'(x * y) * y", None),
    ], [
        ("d(x^2 * y)/d(x) = x * y", None, "factor"),
        ("d(sigmoid(x * y))/d(x) = sigmoid(x * y) * y", None, "function_for_derivative"),
        ("d(sigmoid(x * y))/d(x) = sigmoid'(x * y)", None, "missing_factor_or_sum"),
        ("d(sigmoid(x * y))/d(x) = -sigmoid'(x * y) * y", None, "sign"),
    ]),
    # -- the new families: forward files, and ReLU networks -------------------------------------
    Case("batch norm", None, "", [
        ("dL/dx[n,j] = gamma[j] / (N * sqrt(var[j] + eps)) * (N*dout[n,j] - sum(m, dout[m,j]) - xhat[n,j] * "
         "sum(m, dout[m,j] * xhat[m,j]))", None),
        ("dL/dbeta[j] = sum(n, dout[n,j])", None),
    ], [
        ("dL/dx[n,j] = gamma[j] * dout[n,j] / sqrt(var[j] + eps)", None, "missing_path"),
        ("dL/dx[n,j] = gamma[j] / (N * sqrt(var[j] + eps)) * (N*dout[n,j] - sum(m, dout[m,j]))", None,
         "missing_path"),
        ("dL/dx[n,j] = gamma[j] / (N * sqrt(var[j] + eps)) * (dout[n,j] - sum(m, dout[m,j]) - xhat[n,j] * "
         "sum(m, dout[m,j] * xhat[m,j]))", None, "term_factor"),
        ("dL/dx[n,j] = gamma[j] / (N * sqrt(var[j] + eps)) * (N*dout[n,j] + sum(m, dout[m,j]) - xhat[n,j] * "
         "sum(m, dout[m,j] * xhat[m,j]))", None, "term_sign"),
        ("dL/dbeta[j] = dout[1,j]", None, "missing_sum"),
        ("dL/dbeta[j] = sum(n, dout[n,j]) / N", None, "factor"),
    ], head=forward_head("forward_batchnorm.yaml"), family="forward"),
    Case("layer norm", None, "", [
        ("dL/dx[n,j] = (D*g[n,j] - sum(k, g[n,k]) - xhat[n,j] * sum(k, g[n,k] * xhat[n,k])) / "
         "(D * sqrt(var[n] + eps))", None),
        ("dL/dgamma[j] = sum(n, dout[n,j] * xhat[n,j])", None),
    ], [
        ("dL/dx[n,j] = g[n,j] / sqrt(var[n] + eps)", None, "missing_path"),
        ("dL/dx[n,j] = (D*g[n,j] - sum(k, g[n,k]) + xhat[n,j] * sum(k, g[n,k] * xhat[n,k])) / "
         "(D * sqrt(var[n] + eps))", None, "term_sign"),
        ("dL/dgamma[j] = dout[1,j] * xhat[1,j]", None, "missing_sum"),
        ("dL/dx[n,j] = (D*g[n,j] - sum(k, g[n,k])) / (D * sqrt(var[n] + eps))", None, "missing_path"),
    ], head=forward_head("forward_layernorm.yaml"), family="forward"),
    Case("attention", None, "", [
        ("dL/ds[j] = alpha[j] * (u[j] - sum(i, alpha[i] * u[i]))", None),
        ("dL/dq = K.T @ (alpha * (V @ g - alpha.T @ V @ g)) / sqrt(Dk)", None),
    ], [
        ("dL/ds[j] = alpha[j] * u[j]", None, "missing_path"),
        ("dL/dq = K.T @ (alpha * (V @ g)) / sqrt(Dk)", None, "missing_path"),
        ("dL/ds[j] = alpha[j] * (u[j] + sum(i, alpha[i] * u[i]))", None, "term_sign"),
        ("dL/ds[j] = alpha[j] * (u[j] - sum(i, alpha[j] * u[i]))", None, "wrong_index"),
        ("dL/ds[j] = alpha[j] * (u[j] - sum(i, s[i] * u[i]))", None, "wrong_quantity"),
    ], head=forward_head("forward_attention.yaml"), family="forward"),
    Case("LSTM step", None, "", [
        ("dL/dcprev[j] = dc[j] * fg[j]", None),
        ("dL/dWi[j,k] = dc[j] * gg[j] * ig[j] * (1 - ig[j]) * x[k]", None),
        ("dL/dWg[j,k] = dc[j] * ig[j] * (1 - gg[j]^2) * x[k]", None),
    ], [
        ("dL/dcprev[j] = dnext_c[j] * fg[j]", None, "missing_path"),
        ("dL/dWi[j,k] = dc[j] * gg[j] * ig[j] * x[k]", None, "function_for_derivative"),
        ("dL/dWg[j,k] = dc[j] * ig[j] * gg[j] * x[k]", None, "function_for_derivative"),
        ("dL/dWo[j,k] = dnext_h[j] * tanh(c[j]) * og[j] * x[k]", None, "function_for_derivative"),
        ("dL/dcprev[j] = dc[j] * ig[j]", None, "wrong_quantity"),
    ], head=forward_head("forward_lstm_step.yaml"), family="forward"),
    Case("residual block", None, "", [
        ("dL/dx = dout + W1.T @ ((1 - h^2) * (W2.T @ dout))", None),
        ("dL/dW1 = ((1 - h^2) * (W2.T @ dout)) @ x.T", None),
    ], [
        ("dL/dx = W1.T @ ((1 - h^2) * (W2.T @ dout))", None, "missing_path"),
        ("dL/dW1 = (h * (W2.T @ dout)) @ x.T", None, "function_for_derivative"),
    ], head=forward_head("forward_residual.yaml"), family="forward"),
    Case("RNN through time", None, "", [
        ("dL/dW = sum(t in 1..T, diag(1 - h[t]^2) @ gh[t] @ h[t-1].T)", None),
        ("dL/dh[t][j] = dh[t][j] + sum(k, W[k,j] * (1 - h[t+1][k]^2) * dL/dh[t+1][k])", "t in 1..T-1"),
        ("dL/da[t][j] = (1 - h[t][j]^2) * gh[t][j]", None),
    ], [
        ("dL/dW = diag(1 - h[T]^2) @ gh[T] @ h[T-1].T", None, "missing_path"),
        ("dL/dh[t][j] = dh[t][j]", "t in 1..T-1", "missing_path"),
        ("dL/dW = sum(t in 1..T, diag(1 - h[t]^2) @ gh[t] @ h[t].T)", None, "index_shift"),
        ("dL/dh[t][j] = dh[t][j] + sum(k, W[k,j] * (1 - h[t][k]^2) * dL/dh[t+1][k])", "t in 1..T-1",
         "index_shift"),
        ("dL/da[t][j] = h[t][j] * gh[t][j]", None, "function_for_derivative"),
        ("dL/dW = sum(t in 1..T, diag(1 - h[t-1]^2) @ gh[t] @ h[t-1].T)", None, "index_shift"),
    ], head=forward_head("forward_rnn_bptt.yaml"), family="forward"),
    Case("tied autoencoder", None, "", [
        ("dJ/dW = h @ e.T + (h * (1 - h) * (W @ e)) @ x.T", None),
    ], [
        ("dJ/dW = h @ e.T", None, "missing_path"),
        ("dJ/dW = h @ e.T - (h * (1 - h) * (W @ e)) @ x.T", None, "term_sign"),
        ("dJ/dW = e @ h.T + (h * (1 - h) * (W @ e)) @ x.T", None, "transpose"),
    ], head=forward_head("forward_tied_autoencoder.yaml"), family="forward"),
    Case("1-D convolution", None, "", [
        ("dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+k-1]))", None),
        ("dL/dx[n][c][i] = sum(f, sum(t, sum(k, [t+k-1 == i] * dy[n][f][t] * w[f][c][k])))", None),
        ("dL/db[f] = sum(n, sum(t, dy[n][f][t]))", None),
    ], [
        ("dL/dx[n][c][i] = sum(f, sum(t, sum(k in 1..K, [t+k-1 == i] * dy[n][f][t] * w[f][c][K-k+1])))", None,
         "index_reflection"),
        ("dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+K-k]))", None, "index_reflection"),
        ("dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+k]))", None, "index_shift"),
        ("dL/dw[f][c][k] = sum(n, sum(t, dy[n][f][t] * x[n][c][t+k-2]))", None, "index_shift"),
        ("dL/db[f] = sum(t, dy[1][f][t])", None, "missing_sum"),
        ("dL/dx[n][c][i] = sum(f, sum(t, sum(k, [t+k == i] * dy[n][f][t] * w[f][c][k])))", None, "index_shift"),
    ], head=forward_head("forward_conv1d.yaml"), family="forward"),
    Case("a sequence reversed", None, "", [
        ("dL/dx[i] = dy[T+1-i] * w[T+1-i]", None),
        ("dL/dw[t] = dy[t] * x[T+1-t]", None),
    ], [
        ("dL/dx[i] = dy[T+1-i] * w[i]", None, "index_reflection"),
        ("dL/dw[t] = dy[t] * x[t]", None, "index_reflection"),
    ], head=FLIP, family="forward"),
    Case("softmax classifier, L2", None, "", [
        ("dJ/dW = X.T @ (p - Y) / N + 2*reg*W", None),
        ("dJ/db[c] = 1/N * sum(n, p[n,c] - Y[n,c])", None),
    ], [
        ("dJ/dW = X.T @ (p - Y) / N + reg*W", None, "term_factor"),
        ("dJ/dW = X.T @ (p - Y) + 2*reg*W", None, "term_factor"),
        ("dJ/dW = X.T @ (p - Y) / N - 2*reg*W", None, "term_sign"),
        ("dJ/db[c] = 1/N * (p[1,c] - Y[1,c])", None, "missing_sum"),
        ("dJ/db[c] = sum(n, p[n,c] - Y[n,c])", None, "factor"),
    ], head=forward_head("forward_softmax_l2.yaml"), family="forward"),
    Case("SVM, L2", None, "", [
        ("dJ/dW = X.T @ G / N + 2*reg*W", None),
    ], [
        ("dJ/dW = X.T @ G / N + reg*W", None, "term_factor"),
        ("dJ/dW = X.T @ A / N + 2*reg*W", None, "wrong_quantity"),
    ], head=forward_head("forward_svm_l2.yaml"), family="forward"),
    Case("embedding lookup", None, "", [
        ("dL/dWemb[v,e] = sum(t, [ids[t] == v] * dx[t,e])", None),
    ], [
        ("dL/dWemb[ids[t], e] = dx[t,e]", "t in 1..T", "multiplicity"),
    ], head=forward_head("forward_embedding.yaml"), family="forward"),
    Case("bag of words", None, "", [
        ("dL/dEmb[v,e] = sum(t, [ids[t] == v]) * dh[e]", None),
    ], [
        ("dL/dEmb[v,e] = dh[e]", "v in 1..2", "multiplicity"),
        ("dL/dEmb[ids[t],e] = dh[e]", "t in 1..T", "multiplicity"),
    ], head=BAG, family="forward"),
    Case("a set of words", None, "", [
        ("dL/dEmb[v,e] = [sum(t, [ids[t] == v]) > 0] * dh[e]", None),
    ], [
        ("dL/dEmb[v,e] = sum(t, [ids[t] == v]) * dh[e]", None, "multiplicity"),
    ], head=SEEN, family="forward"),
    Case("word2vec", None, "", [
        ("dJneg/dU[m,w] = sum(k, [neg[k] == w]) * (1 - sigmoid(-theta[w])) * vc[m]", "where w != o"),
        ("dJ/dU[m,w] = yhat[w] * vc[m]", "where w != o"),
    ], [
        ("dJneg/dU[m,w] = (1 - sigmoid(-theta[w])) * vc[m]", "where w != o", "multiplicity"),
        ("dJ/dvc = U @ (yhat + y)", None, "term_sign"),
        ("dJneg/dU[m,w] = sum(k, [neg[k] == w]) * (1 - sigmoid(theta[w])) * vc[m]", "where w != o",
         "argument_negated"),
        ("dJneg/dU[m,w] = sum(k, [neg[k] == w]) * sigmoid(-theta[w]) * vc[m]", "where w != o", "argument_negated"),
    ], head=forward_head("forward_word2vec.yaml"), family="forward"),
    Case("softplus margin", None, "", [
        ("dJ/dw[i] = -yl * x[i] * sigmoid(-yl * s)", None),
        ("dJ/ds = -yl / (1 + exp(yl * s))", None),
    ], [
        ("dJ/dw[i] = -yl * x[i] * sigmoid(yl * s)", None, "argument_negated"),
        ("dJ/ds = -yl / (1 + exp(-yl * s))", None, "argument_negated"),
        ("dJ/dw[i] = yl * x[i] * sigmoid(-yl * s)", None, "sign"),
    ], head=SOFTPLUS, family="forward"),
    Case("ReLU [2, 3, 2], half SSE", "{sizes: [2, 3, 2], activation: relu, output: identity}", "", [
        ("dC/dz[L][j] = a[L][j] - y[j]", None),
        ("dC/dw[l][j,k] = dC/dz[l][j] * a[l-1][k]", None),
        ("dC/dz[1][j] = sum(k, w[2][k,j] * dC/dz[2][k]) * relu'(z[1][j])", None),
    ], [
        ("dC/dz[L][j] = y[j] - a[L][j]", None, "sign"),
        ("dC/dw[l][j,k] = -dC/dz[l][j] * a[l-1][k]", None, "sign"),
        ("dC/dw[l][j,k] = 2 * dC/dz[l][j] * a[l-1][k]", None, "factor"),
        ("dC/dz[L][j] = (a[L][j] - y[j]) / 2", None, "factor"),
        ("dC/dz[1][j] = sum(k, w[2][k,j] * dC/dz[2][k]) * relu(z[1][j])", None, "function_for_derivative"),
        ("dC/dz[1][j] = sum(k, w[2][k,j] * dC/dz[2][k])", None, "missing_factor"),
    ], family="ReLU network"),
    Case("ReLU [2, 3, 2], batch of 3, mean", "{sizes: [2, 3, 2], activation: relu, output: identity, batch: 3, "
                                             "reduction: mean}", "", [
        ("dC/db[1][j] = 1/S * sum(s, sum(k, w[2][k,j] * (a[2][k,s] - y[k,s])) * relu'(z[1][j,s]))", None),
    ], [
        ("dC/db[1][j] = sum(s, sum(k, w[2][k,j] * (a[2][k,s] - y[k,s])) * relu'(z[1][j,s]))", None, "mean"),
        ("dC/dw[1][j,k] = sum(s, sum(m, w[2][m,j] * (a[2][m,s] - y[m,s])) * relu'(z[1][j,s]) * x[k,s])", None,
         "mean"),
        ("dC/db[1][j] = 3 * sum(s, sum(k, w[2][k,j] * (a[2][k,s] - y[k,s])) * relu'(z[1][j,s]))", None, "factor"),
        ("dC/db[1][j] = -1/S * sum(s, sum(k, w[2][k,j] * (a[2][k,s] - y[k,s])) * relu'(z[1][j,s]))", None, "sign"),
        ("dC/db[1][j] = 1/S * sum(s, sum(k, w[2][j,k] * (a[2][k,s] - y[k,s])) * relu'(z[1][j,s]))", None,
         "swapped_indices"),
    ], family="ReLU network"),
    Case("ReLU with weight decay", "{sizes: [3, 4, 3], activation: relu, output: softmax, loss: cross_entropy, "
                                   "targets: one_hot, batch: 4, reduction: mean, "
                                   "penalty: 'lam/2 * sum(l, sum(j, sum(k, w[l][j,k]^2)))'}\n"
                                   "constants: {lam: positive}", "", [
        ("dC/dw[l][j,k] = sum(s, dC/dz[l][j,s] * a[l-1][k,s]) + lam * w[l][j,k]", None),
    ], [
        ("dC/dw[l][j,k] = sum(s, dC/dz[l][j,s] * a[l-1][k,s]) - lam * w[l][j,k]", None, "term_sign"),
        ("dC/dw[l][j,k] = sum(s, dC/dz[l][j,s] * a[l-1][k,s]) + lam / S * w[l][j,k]", None,
         "term_factor"),
        ("dC/dw[l][j,k] = sum(s, dC/dz[l][j,s] * a[l-1][k,s]) + 2 * lam * w[l][j,k]", None, "term_factor"),
        ("dC/dw[l][j,k] = -sum(s, dC/dz[l][j,s] * a[l-1][k,s]) - lam * w[l][j,k]", None, "sign"),
        ("dC/dw[l][j,k] = sum(s, dC/dz[l][j,s] * a[l-1][k,s])", None, "missing_path"),
        ("dC/dz[L][j,s] = (yhat[j,s] - y[j,s])", None, "mean"),
    ], family="ReLU network"),
]


def derivation(case: Case) -> str:
    body = case.head if case.head is not None else \
        f"network: {case.network}\n" if case.network else "symbols: [x, y]\n"
    head = f"title: {case.title}\n" + body
    if case.let:
        head += f"let:{case.let}\n"
    lines = ["claims:"]
    for claim, for_range in case.true:
        lines.append(f"  - claim: \"{claim}\"" + _range(for_range))
    for claim, for_range, code in case.mutants:
        lines.append(f"  - claim: \"{claim}\"\n    name: {code}\n    expect: false" + _range(for_range))
    return head + "\n".join(lines) + "\n"


def _range(for_range: str | None) -> str:
    """`for: l in 1..L-1`, or `where: w != o` for a range that starts with "where "."""
    if not for_range:
        return ""
    key, _, rest = for_range.partition(" ") if for_range.startswith("where ") else ("for", "", for_range)
    return f"\n    {key}: {rest}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--show", action="store_true", help="print every mutant's diagnosis")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="derivcheck-mistakes-"))
    paths = []
    for number, case in enumerate(CASES):
        path = folder / f"case{number}.yaml"
        path.write_text(derivation(case), encoding="utf-8")
        paths.append(str(path))
    start = time.perf_counter()
    results = check_files(paths, Options(), jobs=2)
    seconds = time.perf_counter() - start
    true_claims = alarms = 0
    kinds: dict[tuple[str, str], Counter] = {}  # (family, kind) → mutants, caught, named
    for case, result in zip(CASES, results):
        if result.error:
            raise SystemExit(result.error)
        for claim in result.claims:
            if claim.verdict is Verdict.ERROR:
                raise SystemExit(claim.error)
            if claim.expect == "holds":
                true_claims += 1
                alarms += claim.verdict is Verdict.FALSE
                if claim.verdict is Verdict.FALSE or args.show:
                    print(f"{'✗ false alarm' if claim.verdict is Verdict.FALSE else '  holds'}: {claim.text}")
                continue
            code = claim.diagnosis.code if claim.diagnosis else "none"
            hit = code == claim.name or (claim.name == "missing_factor_or_sum" and code in ("missing_factor",
                                                                                              "missing_sum"))
            counts = kinds.setdefault((case.family, claim.name), Counter())
            counts.update(mutants=1, caught=claim.verdict is Verdict.FALSE, named=hit)
            if args.show or not hit:
                print(f"{'  ' if hit else '✗ '}{claim.name:<24} {claim.text}\n"
                      f"    → {code}: {claim.diagnosis.message if claim.diagnosis else ''}")
    total = sum((counts for counts in kinds.values()), Counter())
    print(f"\n{len(CASES)} files, {true_claims} true claims, {total['mutants']} mutants of "
          f"{len({kind for _, kind in kinds})} kinds ({seconds:.1f} s)\n")
    print(f"{'family':<14} {'mistake':<26} {'mutants':>7} {'false':>6} {'named':>6}")
    for (family, kind), counts in sorted(kinds.items()):
        print(f"{family:<14} {kind:<26} {counts['mutants']:>7} {counts['caught']:>6} {counts['named']:>6}")
    for family in dict.fromkeys(family for family, _ in sorted(kinds)):
        part = sum((c for (f, _), c in kinds.items() if f == family), Counter())
        print(f"{family:<14} {'all':<26} {part['mutants']:>7} {part['caught']:>6} {part['named']:>6}  "
              f"({100 * part['named'] / part['mutants']:.0f}% named)")
    mutants, caught, named = total["mutants"], total["caught"], total["named"]
    print(f"\nmutants called false:        {caught}/{mutants} ({100 * caught / mutants:.0f}%)")
    print(f"diagnosis names the mutation: {named}/{mutants} ({100 * named / mutants:.0f}%)")
    print(f"false alarms on true claims:  {alarms}/{true_claims}")
    return 0 if caught == mutants and alarms == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
