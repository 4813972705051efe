"""Small computations as forward files, shared by the diagnosis tests and the mistake corpus
(bench/mistakes.py): derivations/ files above their claims, and a few more."""

from __future__ import annotations

from pathlib import Path

DERIVATIONS = Path(__file__).resolve().parent.parent / "derivations"


def forward_head(name: str) -> str:
    """A forward file of derivations/ above its claims, without its title: its computation as written."""
    text = (DERIVATIONS / name).read_text(encoding="utf-8")
    lines = text[:text.index("\nclaims:")].splitlines()
    return "\n".join(line for line in lines if not line.startswith("title:")) + "\n"


FLIP = """dims: {T: 4}
inputs:
  x[t]: T
params:
  w[t]: T
forward:
  y[t]: x[T+1-t] * w[t]
upstream:
  y: dy
"""
BAG = """dims: {T: 4, V: 3, E: 2}
data:
  ids: [2, 1, 2, 3]
params:
  Emb[v,e]: V, E
forward:
  h[e]: sum(t, Emb[ids[t], e])
upstream:
  h: dh
"""
SEEN = BAG.replace("V: 3", "V: 4").replace("  h[e]: sum(t, Emb[ids[t], e])", """  seen[v]:
    shape: V
    value: '[sum(t, [ids[t] == v]) > 0]'
  h[e]: sum(v, seen[v] * Emb[v, e])""")  # each word once, and a word (4) never seen
SOFTPLUS = """dims: {D: 3}
inputs:
  x[i]: D
params:
  w[i]: D
constants:
  yl: unit
forward:
  s: sum(i, w[i] * x[i])
  J: log(1 + exp(-yl * s))
"""
