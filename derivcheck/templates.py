"""The starting files `derivcheck init` writes: commented, and each checks clean (its kept mistake false)."""

from __future__ import annotations

from pathlib import Path

SCHEMA = Path(__file__).with_name("derivation.schema.json")  # the derivation format, for editors

NETWORK = """\
# A derivation file (docs/FORMAT.md): the network, your definitions, your claims.
# Check it with: derivcheck check THIS_FILE
title: Backpropagation in a small sigmoid network
network:
  sizes: [2, 3, 2]          # neurons per layer, the input first: layers 1..L with L = 2
  activation: sigmoid       # a[l][j] = sigmoid(z[l][j]), z[l][j] = sum(k, w[l][j,k] * a[l-1][k]) + b[l][j]
  loss: half_sse            # C = 1/2 * sum(j, (a[L][j] - y[j])^2)
let:                        # your own definitions, used by the claims below
  delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
claims:                     # each is checked at every index instance, against the true derivative
  - name: BP1
    claim: dC/dz[L][j] = delta[L][j]
  - name: BP2
    claim: dC/dz[l][j] = delta[l][j]
    for: l in 1..L-1
  - name: BP4
    claim: dC/dw[l][j,k] = delta[l][j] * a[l-1][k]
  # a mistake kept on purpose: it must come out false (a transposed weight)
  - name: BP2 with w[l+1][j,k]
    claim: dC/dz[l][j] = sum(k, w[l+1][j,k] * delta[l+1][k]) * sigmoid'(z[l][j])
    for: l in 1..L-1
    expect: false
"""

FORWARD = """\
# A forward file (format v2, docs/FORMAT.md): sizes, inputs and parameters, the forward equations in
# order, the loss or the gradient that arrives from above, your definitions, your claims.
# Check it with: derivcheck check THIS_FILE
title: A linear layer with tanh, one example
dims: {D: 3, H: 2}          # sizes by name
inputs:
  x[k]: D                   # tensor[indices]: the size of each index
params:
  W[j,k]: H, D
  b[j]: H
forward:                    # each definition may use the ones above it
  a[j]: sum(k, W[j,k] * x[k]) + b[j]
  h[j]: tanh(a[j])
upstream:
  h: dh                     # dh[j] = dL/dh[j] arrives from the layers above
let:
  da[j]: dh[j] * (1 - h[j]^2)
claims:
  - claim: dL/da[j] = da[j]
  - claim: dL/dW[j,k] = da[j] * x[k]
  - claim: dL/dW = da @ x.T  # the same, as matrices: H x 1 times 1 x D
  - claim: dL/dx = W.T @ da
  # a mistake kept on purpose: it must come out false (tanh written for its derivative)
  - name: tanh for 1 - tanh^2
    claim: dL/da[j] = dh[j] * h[j]
    expect: false
"""


def starting_file(forward: bool) -> str:
    """A new derivation file; its first line points editors (yaml-language-server) at the schema."""
    return f"# yaml-language-server: $schema={SCHEMA.as_uri()}\n" + (FORWARD if forward else NETWORK)
