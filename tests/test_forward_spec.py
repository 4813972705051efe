"""Reading forward files (format v2): declarations, shapes, definitions, upstream, and their errors."""

from __future__ import annotations

import textwrap

import pytest

from derivcheck import syntax as sx
from derivcheck.errors import InputError
from derivcheck.roles import Role
from derivcheck.spec import parse_spec

BATCHNORM = """
dims: {N: 4, D: 3}
inputs:
  x[n,j]: N, D
params:
  gamma[j]: D
constants: {eps: positive, p: unit, T0: 2}
data:
  y: [1, 3, 2]
  o: 2
  mask: [[1, 0], [1, 1], [0, 1]]
forward:
  mu[j]: 1/N * sum(n, x[n,j])
  out[n,j]: gamma[j] * (x[n,j] - mu[j]) / sqrt(eps)
upstream:
  out: dout
claims:
  - claim: dL/dgamma[j] = sum(n, dout[n,j] * (x[n,j] - mu[j]) / sqrt(eps))
    where: j != 2
"""


def read(text: str):
    return parse_spec(textwrap.dedent(text).lstrip("\n"), "f.yaml")


def error(text: str) -> str:
    with pytest.raises(InputError) as caught:
        read(text)
    return str(caught.value)


def test_declarations_definitions_and_upstream_are_read():
    spec = read(BATCHNORM)
    forward = spec.forward
    assert forward.dims == {"N": 4, "D": 3}
    assert [(p.name, p.role) for p in forward.pieces] == [
        ("x", Role.INPUT), ("gamma", Role.PARAM), ("mu", Role.FORWARD), ("out", Role.FORWARD)]
    assert forward.pieces[0].letters == ("n", "j")
    assert [sx.to_text(e.hi) for e in forward.pieces[0].extents] == ["N", "D"]
    assert forward.pieces[2].extents is None  # inferred when the model is built
    assert forward.constants["eps"].domain == "positive" and forward.constants["T0"].value == "2"
    assert forward.data["mask"].shape == (3, 2) and forward.data["mask"].values == ("1", "0", "1", "1", "0", "1")
    assert forward.data["o"].shape == ()
    assert forward.upstream == (("out", "dout"),) and forward.loss == "L"
    assert sx.to_text(spec.claims[0].where) == "j != 2"
    assert {"dout", "L", "N", "mask"} <= spec.scope.values


def test_the_loss_defaults_to_the_last_scalar_definition():
    spec = read("""
        dims: {K: 2}
        params:
          w[k]: K
        forward:
          J: sum(k, w[k]^2)
          J2: 2 * J
        claims:
          - dJ/dw[k] = 2*w[k]
    """)
    assert spec.forward.loss == "J2"
    assert "loss 'w' is not a scalar forward definition" in error("""
        dims: {K: 2}
        params:
          w[k]: K
        forward:
          J: sum(k, w[k]^2)
        loss: w
        claims:
          - dJ/dw[k] = 2*w[k]
    """)


def test_shapes_ranges_and_scalars():
    spec = read("""
        dims: {T: 3, W: 5, K: 2}
        inputs:
          h[0][j]: K
          x[i]: [W]
          s: scalar
        forward:
          y[t]: {shape: '1..W-K+1', value: 's * x[t+K-1]'}
        claims:
          - dy[1]/dx[2] = 0
    """)
    pieces = {p.name: p for p in spec.forward.pieces}
    assert pieces["h"].letters == ("j",) and pieces["s"].extents == ()
    assert [sx.to_text(part) for part in (pieces["y"].extents[0].lo, pieces["y"].extents[0].hi)] == ["1", "W - K + 1"]


@pytest.mark.parametrize("text, message", [
    ("dims: {N: M}\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']",
     "f.yaml:1:11: dim N must be a whole number ≥ 1, not 'M' (dims are plain numbers"),
    ("dims: {N: 2}\ninputs:\n  x[n,i]: N\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']",
     "'x[n,i]' has 2 index letters but its shape gives 1 extent"),
    ("dims: {N: 2}\ninputs:\n  x[n+1]: N\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']",
     "'n + 1' in 'x[n+1]' is neither an index letter nor a whole number"),
    ("dims: {N: 2}\ninputs:\n  x[n,n]: N, N\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']",
     "index letter 'n' appears twice in 'x[n,n]'"),
    ("dims: {N: 2}\ninputs:\n  N[i]: N\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']", "'N' is already defined"),
    ("constants: {c: big}\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']",
     "constant c must be a domain or a number, not 'big' (expected one of: positive, negative, real, unit"),
    ("data: {m: [[1, 2], [3]]}\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']", "the rows of data m have different lengths"),
    ("forward: {J: 1}\nupstream: {K: dK}\nclaims: [\'dJ/dJ = 1\']", "upstream 'K' is not a forward definition"),
    ("forward: {J: {shape: scalar}}\nclaims: [\'dJ/dJ = 1\']", "forward J has no `value:`"),
    ("forward: {J: 1}\nsymbols: [x]\nclaims: [\'dJ/dJ = 1\']",
     "a file has one of `network:`, `symbols:` and `forward:`, not symbols and forward"),
    ("symbols: [x]\ndims: {N: 2}\nclaims: [\'x = x\']", "`dims:` belongs to a forward file"),
])
def test_errors_name_the_place_and_what_is_expected(text, message):
    assert message in error(text)


def test_dims_are_bounded():
    assert "dim N is too large (5,000) (limit dim_size = 1,000" in error(
        "dims: {N: 5000}\nforward: {J: 1}\nclaims: [\'dJ/dJ = 1\']")


def test_network_files_take_constants_and_a_penalty():
    spec = read("""
        network:
          sizes: [2, 1]
          penalty: lam/2 * sum(k, w[1][1,k]^2)
        constants: {lam: positive}
        claims:
          - dC/dw[1][1,k] = (a[1][1] - y[1]) * a[1][1] * (1 - a[1][1]) * x[k] + lam * w[1][1,k]
    """)
    assert spec.network.constants["lam"].domain == "positive"
    assert sx.to_text(spec.network.penalty) == "lam / 2 * sum(k, w[1][1,k]^2)"
