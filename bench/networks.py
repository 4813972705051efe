"""Generated derivation files: a network of given sizes with the full BP1-BP4 claim set."""

from __future__ import annotations

HEADS = {
    "sigmoid": ("output: sigmoid\n  loss: half_sse", "(a[L][j] - y[j]) * sigmoid'(z[L][j])"),
    "softmax": ("output: softmax\n  loss: cross_entropy\n  targets: one_hot", "yhat[j] - y[j]"),
}


def bp_file(sizes: list[int], head: str) -> str:
    """BP1-BP4 for every weight and bias of a sigmoid network with the given output head."""
    network, output_delta = HEADS[head]
    return f"""title: BP1-BP4 for {sizes} with a {head} head
network:
  sizes: {sizes}
  activation: sigmoid
  {network}
let:
  delta[L][j]: {output_delta}
  delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
claims:
  - name: BP1
    claim: dC/dz[L][j] = delta[L][j]
  - name: BP2
    claim: dC/dz[l][j] = delta[l][j]
    for: l in 1..L-1
  - name: BP3
    claim: dC/db[l][j] = delta[l][j]
  - name: BP4
    claim: dC/dw[l][j,k] = delta[l][j] * a[l-1][k]
"""


def parameter_count(sizes: list[int]) -> int:
    return sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))
