"""Every formula derivcheck prints parses back as what it says: each side of every claim of derivations/,
written as plain text and read by the plain parser (the same tree), and written as the report's LaTeX and
read by the LaTeX reader (the same value at the claim's instances)."""

from __future__ import annotations

import pytest
import sympy as sp

from conftest import ROOT
from derivcheck import syntax as sx
from derivcheck.latex_writer import latex, notation_of
from derivcheck.errors import DerivcheckError, Location
from derivcheck.expressions import parse_expression
from derivcheck.instances import Instances
from derivcheck.semantics import Model
from derivcheck.spec import load_spec

FILES = sorted((ROOT / "derivations").glob("*.yaml"))


def _same(first, second) -> bool:
    if isinstance(first, sp.MatrixBase) or isinstance(second, sp.MatrixBase):
        return isinstance(first, sp.MatrixBase) and isinstance(second, sp.MatrixBase) and \
            first.shape == second.shape and all(sp.expand(a - b) == 0 for a, b in zip(first, second))
    return sp.expand(first - second) == 0


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_claim_reads_back_as_text_and_as_latex(path):
    spec = load_spec(str(path))
    model, notation = Model(spec), notation_of(spec)
    here = Location(str(path), 1, 1)
    compared = 0
    for claim in spec.claims:
        if claim.equation is None:
            continue
        bindings = [c.bindings for c in Instances(model, spec).combinations(claim)[0] if c.reason is None][:3]
        for side in (claim.equation.lhs, claim.equation.rhs):
            text = sx.to_text(side)
            assert parse_expression(text, here, spec.scope) == side, text
            written = latex(side, notation)
            back = parse_expression(f"${written}$", here, spec.scope)
            for values in bindings:
                try:
                    expected = model.evaluate(side, values)
                except DerivcheckError:  # an instance the claim itself cannot build (it is false there)
                    continue
                assert _same(expected, model.evaluate(back, values)), (text, written, sx.to_text(back))
                compared += 1
    assert compared > 0
