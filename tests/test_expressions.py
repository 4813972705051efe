"""The whitelisted parser: notation it accepts, errors it gives, code it never runs."""

from __future__ import annotations

import pytest

from derivcheck import expressions as ex
from derivcheck import syntax as sx
from derivcheck.errors import InputError, Location

SCOPE = sx.Scope(frozenset({"w", "b", "z", "a", "x", "y", "yhat", "C", "L", "delta", "e"}),
                 frozenset({"sigmoid", "exp", "log", "f"}))
AT = Location("hw.yaml", 7, 10)


def parse(text: str):
    return ex.parse_expression(text, AT, SCOPE)


def error(text: str, equation: bool = False) -> InputError:
    with pytest.raises(InputError) as caught:
        (ex.parse_equation if equation else ex.parse_expression)(text, AT, SCOPE)
    return caught.value


def test_equation_with_single_equals_and_derivative():
    equation = ex.parse_equation("dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", AT, SCOPE)
    assert isinstance(equation.lhs, sx.Derivative)
    assert equation.lhs.expr == sx.Name("C", AT)
    assert equation.lhs.var.id == "w"
    assert [len(group) for group in equation.lhs.var.groups] == [1, 2]
    assert isinstance(equation.rhs, sx.BinOp) and equation.rhs.op == "*"


def test_double_equals_is_the_same_equation():
    assert ex.parse_equation("C == 2", AT, SCOPE) == ex.parse_equation("C = 2", AT, SCOPE)


def test_caret_is_power_with_python_precedence():
    node = parse("x^2 + 1")
    assert node.op == "+" and node.left.op == "**"


def test_primes_become_derivative_orders():
    node = parse("sigmoid'(z[l][j]) * f''(x)")
    assert node.left == sx.Call("sigmoid", 1, (parse("z[l][j]"),), AT)
    assert node.right.func == "f" and node.right.primes == 2


def test_partial_sign_and_typographic_operators():
    assert parse("∂C/∂z[L][j]") == parse("dC/dz[L][j]")
    assert parse("x × 2 − 1") == parse("x * 2 - 1")
    assert parse("x · y") == parse("x ⋅ y") and parse("x · y").op == "·"  # \cdot: the matrix product of matrices
    with pytest.raises(InputError, match="cannot read 'x % y'"):
        parse("x % y")


def test_chained_derivatives_pair_up():
    node = parse("de/da[2] * d(a[2])/d(z[2]) * d(z[2])/d(w[2])")
    factors = []
    while isinstance(node, sx.BinOp):
        factors.append(node.right)
        node = node.left
    factors.append(node)
    assert all(isinstance(f, sx.Derivative) for f in factors) and len(factors) == 3


def test_negated_derivative():
    node = parse("-dC/dw[1][1,1]")
    assert isinstance(node, sx.Neg) and isinstance(node.operand, sx.Derivative)


def test_sums_with_and_without_range():
    plain = parse("sum(k, w[l+1][k,j] * delta[l+1][k])")
    ranged = parse("sum(k in 1..L-1, x[k])")
    assert isinstance(plain, sx.Sum) and plain.lo is None
    assert ranged.lo == sx.Num("1", AT) and ranged.hi.op == "-"


def test_iverson_bracket_and_kronecker_delta():
    assert parse("[i == j]") == parse("KroneckerDelta(i, j)")
    assert isinstance(parse("[i = j]"), sx.Kronecker)


def test_diff_call_is_a_derivative():
    assert parse("diff(C, w[1][1,1])") == parse("dC/dw[1][1,1]")


def test_free_index_letters_and_named_values():
    assert SCOPE.is_index("j") and SCOPE.is_index("c")
    assert not SCOPE.is_index("e") and not SCOPE.is_index("L")


def test_range_for_clause():
    rng = ex.parse_range("l in 1..L-1", AT, SCOPE)
    assert rng.var == "l" and rng.lo == sx.Num("1", AT)


def test_definition_heads():
    assert isinstance(ex.parse_definition_head("delta[L][j]", AT, SCOPE), sx.Indexed)
    head = ex.parse_definition_head("h(u, v)", AT, SCOPE)
    assert isinstance(head, sx.Call) and [p.id for p in head.args] == ["u", "v"]
    assert ex.parse_definition_head("m", AT, SCOPE) == sx.Name("m", AT)


def test_unknown_name_suggests_the_close_one_with_position():
    err = error("sigma(z[l][j])")
    assert str(err).startswith("hw.yaml:7:10: unknown function 'sigma'")
    assert "did you mean 'sigmoid'?" in str(err)


def test_unknown_value_name_column():
    err = error("a[L][j] + yhta[j]")
    assert err.location == Location("hw.yaml", 7, 20)
    assert "did you mean 'yhat'" in str(err)


def test_syntax_error_points_at_the_problem():
    err = error("(a[L][j] - y[j] * 2")
    assert err.location.line == 7 and "cannot read" in err.message


def test_half_a_derivative_is_explained():
    assert "half a derivative" in str(error("dC * 2"))
    assert "half a derivative" in str(error("2 / dw[1][1,1]"))


def test_claim_must_be_one_equation():
    assert "must be an equation" in str(error("C + 1", equation=True))
    assert "one '=' sign" in str(error("C = 1 = 2", equation=True))


def test_number_too_long_names_its_limit():
    message = str(error("1" * 40))
    assert "number " + "1" * 40 + " is too long (limit literal_digits = 30; --limit literal_digits=N" in message
    assert "11111111111111111111…1111111111 is too long" in str(error("1" * 50))


@pytest.mark.parametrize("text", [
    "__import__('os').system('touch pwned')",
    "a.__class__",
    "(lambda: 1)()",
    "[x for x in y]",
    "f'{x}'",
    "x if y else z",
    "exp(x=1)",
    "getattr(x, 'y')",
    "{1: 2}",
    "x[1:2]",
    "'text'",
    "x and y",
    "open('f')",
    "eval('1')",
    "sympify('x')",
    "x.real",
    "~x",
    "x ** -y if 1 else 2",
    "(yield)",
    "x := 1",
])
def test_anything_outside_the_whitelist_is_rejected(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(InputError) as caught:
        ex.parse_expression(text, AT, SCOPE)
    assert str(caught.value).startswith("hw.yaml:7:")
    assert "\n" not in str(caught.value)
    assert not (tmp_path / "pwned").exists()


def test_deep_nesting_is_an_input_error():
    with pytest.raises(InputError):
        parse("(" * 300 + "x" + ")" * 300)


def test_multiline_text_positions():
    with pytest.raises(InputError) as caught:
        ex.parse_expression("x +\n  qq", Location("f.yaml", 3, 5), SCOPE)
    assert caught.value.location == Location("f.yaml", 4, 3)


def test_free_indices_skip_sum_indices_and_names():
    equation = ex.parse_equation("dC/dw[l][j,k] = sum(m, w[l+1][m,j] * delta[l+1][m]) * a[l-1][k]", AT, SCOPE)
    assert sx.free_indices(equation, SCOPE) == ["l", "j", "k"]
    assert [type(node).__name__ for node in sx.walk(ex.parse_expression("sum(k, x[k])", AT, SCOPE), unbound="k")] == []


def test_error_text_is_one_line_with_place_and_hint():
    error = InputError("unknown name 'q'", Location("hw.yaml", 3, 7), "did you mean 'x'?")
    assert str(error) == "hw.yaml:3:7: unknown name 'q' (did you mean 'x'?)"
    assert str(InputError("no place")) == "no place"


def test_python_warnings_become_clear_errors(capsys):
    assert "invalid decimal literal" in str(error("1if x else 2"))
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("text", [
    "dC/dw[l][j,k] = delta[l][j] * a[l-1][k]",
    "sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])",
    "a - (b - x)", "x / (y * z[1][1])", "-x^2", "(-x)^2", "x^y^2", "(x^y)^2", "2 * (x + y)", "-(x + y)",
    "x * (-y)", "sum(k in 1..L-1, x[k])", "[i == j] * x", "dC/dx", "da[1][j]/dz[1][j]", "x - (-y)",
    "d(yhat[i])/dz[L][j]", "d(x^2 * y)/dx",
])
def test_syntax_prints_back_to_the_same_tree(text):
    parse_one = (lambda t: ex.parse_equation(t, AT, SCOPE)) if " = " in text else (lambda t: parse(t))
    tree = parse_one(text)
    assert sx.to_text(tree) == text
    assert parse_one(sx.to_text(tree)) == tree


def test_a_transposed_derivative_is_the_derivative_transposed():
    tree = parse("dC/dz[l].T @ w[l]")
    assert tree == sx.BinOp("@", sx.Transpose(parse("dC/dz[l]"), AT), parse("w[l]"), AT)
    assert sx.to_text(parse("(h @ dC/da[l].T).T")) == "(h @ dC/da[l].T).T"
    assert parse(sx.to_text(parse("(h @ dC/da[l].T).T"))) == parse("(h @ dC/da[l].T).T")


@pytest.mark.parametrize("text", ["sigmoid'(z[l]) * (w[l+1].T @ dC/dz[l+1])", "a * (b @ c)", "(a @ b) * c",
                                  "a - (b - c)", "a / (b * c)", "-(a * b)"])
def test_printed_text_keeps_every_bracket_it_needs(text):
    assert sx.to_text(parse(text)) == text
    assert parse(sx.to_text(parse(text))) == parse(text)


def test_typographic_primes_are_primes():
    assert parse("sigmoid′(x)") == parse("sigmoid'(x)")
    assert parse("f″(x)") == parse("f''(x)") and parse("f‴(x)") == parse("f'''(x)")


@pytest.mark.parametrize("text, hint", [
    (r"\frac{1}{2}", "this looks like LaTeX: write it between $…$ (in YAML single quotes), or in derivcheck's own "
                     "syntax: a/b for \\frac{a}{b}"),
    ("x^{2}", "braces group in LaTeX; here group with ( ): x^(2)"),
])
def test_latex_gets_a_hint(text, hint):
    assert hint in str(error(text))


def test_bind_puts_values_in_free_letters_only_and_folds_layer_arithmetic():
    tree = parse("w[l+1][j,k] * sum(k, a[l][k]) + delta[l][j]")
    assert sx.to_text(sx.bind(tree, {"l": 1, "j": 2, "k": 3})) == "w[2][2,3] * sum(k, a[1][k]) + delta[1][2]"


def test_map_indexed_changes_every_indexed_name_inside_out():
    tree = parse("sum(j, y[j] * log(yhat[j])) + w[2][j, z[1][j]]")
    renamed = sx.map_indexed(tree, lambda node: sx.Indexed(node.id.upper(), node.groups, node.loc))
    assert sx.to_text(renamed) == "sum(j, Y[j] * log(YHAT[j])) + W[2][j,Z[1][j]]"
