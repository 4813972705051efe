"""LaTeX between dollar signs: the conventions of backpropagation notes, read into the plain syntax tree."""

from __future__ import annotations

import textwrap

import pytest

from derivcheck import syntax as sx
from derivcheck.errors import InputError, Location
from derivcheck.expressions import parse_chain, parse_expression
from derivcheck.limits import Limits
from derivcheck.results import Verdict
from derivcheck.spec import parse_spec

NETWORK = """
network:
  sizes: [2, 3, 2]
let:
  delta[l][j]: "sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])"
  delta[L][j]: yhat[j] - y[j]
claims: []
"""
SCOPE = parse_spec(textwrap.dedent(NETWORK).lstrip(), "t.yaml").scope
HERE = Location("hw.yaml", 9, 12)


def read(text: str, scope: sx.Scope = SCOPE) -> str:
    return sx.to_text(parse_expression(text, HERE, scope))


@pytest.mark.parametrize("latex, tree", [
    (r"$w^{l+1}_{kj}$", "w[l+1][k,j]"), (r"$w^{(l+1)}_{kj}$", "w[l+1][k,j]"), (r"$w^{l+1}_{k,j}$", "w[l+1][k,j]"),
    (r"$x_i$", "x[i]"), (r"$\delta^{l}_j$", "delta[l][j]"),
    (r"$\frac{\partial C}{\partial w^l_{jk}}$", "dC/dw[l][j,k]"), (r"$\partial C / \partial z^L_j$", "dC/dz[L][j]"),
    (r"$\frac{dC}{dx_k}$", "dC/dx[k]"),
    (r"$\frac{\partial^2 C}{\partial w^1_{11} \partial b^2_1}$", "d(dC/db[2][1])/dw[1][1,1]"),
    (r"$\sigma(z)$", "sigmoid(z)"), (r"$\sigma'(z^l_j)$", "sigmoid'(z[l][j])"),
    (r"$\sigma^\prime(z^l_j)$", "sigmoid'(z[l][j])"), (r"$\tanh'(z^l_j)$", "tanh'(z[l][j])"),
    (r"$\sum_k w^{l+1}_{kj} \delta^{l+1}_k$", "sum(k, w[l+1][k,j] · delta[l+1][k])"),
    (r"$\sum_{k=1}^{n} x_k + 1$", "sum(k in 1..n, x[k]) + 1"),
    (r"$a \cdot b \times c$", "a · b · c"), (r"$a \odot b$", "a * b"),
    (r"$(w^{l+1})^T \delta^{l+1}$", "w[l+1].T · delta[l+1]"), (r"$(w^{l+1})^\top$", "w[l+1].T"),
    (r"$(w^{l+1})^{\mathsf{T}}$", "w[l+1].T"), (r"$(w^{l+1})^{T}$", "w[l+1].T"),
    (r"$\hat{y}_j$", "yhat[j]"), (r"$\hat y_j$", "yhat[j]"), (r"$\mathbf{w}^l$", "w[l]"), (r"$\vec{a}^L$", "a[L]"),
    (r"$\log x + \ln x$", "log(x) + log(x)"), (r"$e^{x}$", "exp(x)"), (r"$\sqrt{x}$", "sqrt(x)"),
    (r"$\frac{a}{b}$", "a / b"), (r"$x^{2}$", "x^2"), (r"$x^2 y$", "x^2 · y"),
    (r"$\mathbb{1}\{i=j\}$", "[i == j]"), (r"$1\{i=j\}$", "[i == j]"), (r"$[i=j]$", "[i == j]"),
    (r"$[i \neq j]$", "[i != j]"),
    (r"$\left( a + b \right) c$", "(a + b) · c"), (r"$\big[ a + b \big] c$", "(a + b) · c"),
    (r"$\{ a + b \} c$", "(a + b) · c"),
    (r"$\nabla_a C$", "dC/da[L]"),
    (r"$(a^L_j - y_j)\,\sigma'(z^L_j) \quad (7)$", "(a[L][j] - y[j]) · sigmoid'(z[L][j])"),
    (r"$a^L_j \tag{3}$", "a[L][j]"), (r"$\text{so } a^L_j \;\!\, \qquad$", "a[L][j]"),
    (r"$-\frac{1}{2} (y_j - a^L_j)^2$", "-(1 / 2 · (y[j] - a[L][j])^2)"),
    (r"$w_jk$", "w[j] · k"),  # as LaTeX has it: the subscript is one character unless braced
    (r"$w^1_{12}$", "w[1][1,2]"), (r"$w^1_{1,12}$", "w[1][1,12]"),
    (r"$\frac{\partial}{\partial w^l_{jk}} \frac{1}{2} (y_j - a^L_j)^2$", "d(1 / 2 · (y[j] - a[L][j])^2)/dw[l][j,k]"),
    (r"$\frac{d}{dx_k} (x_k^2) + 1$", "d(x[k]^2)/dx[k] + 1"),  # the operator takes the product that follows
    (r"$y^{(i)}_j + x^{(i)}$", "y[j] + x"),  # the example i of a network without a batch: its one example
    (r"$a^{(i)}_j$", "a[i][j]"),  # on a layered quantity the superscript is the layer
    (r"$y_j^{(2)}$", "y[j]^2"),  # a number in parentheses stays a power
])
def test_the_conventions_of_backpropagation_notes(latex, tree):
    assert read(latex) == tree


def test_accents_make_names_and_the_example_superscript_is_the_example_slot_of_a_batch():
    network = parse_spec("network: {sizes: [2, 2], batch: 3}\nnotation: {output: ytilde}\nlet:\n  xbar: 1\n"
                         "claims: []\n", "b.yaml").scope
    assert read(r"$\tilde{y}^{(s)}_j - y^{(s)}_j + \bar{x}$", network) == "ytilde[j,s] - y[j,s] + xbar"
    assert read(r"$\widetilde{y}_j$", network) == "ytilde[j]"
    plain = parse_spec("symbols: [x, y]\nclaims: []\n", "p.yaml").scope
    assert read(r"$x^{(i)}$", plain) == "x^i"  # only a network's input, target and output have examples


def test_l_with_a_digit_is_a_name_of_the_file_for_the_layer_index_takes_no_subscript():
    network = parse_spec("network: {sizes: [1, 1]}\nnotation: {loss: L0}\nclaims: []\n", "p.yaml").scope
    assert read(r"$\frac{\partial L_0}{\partial w^L_{11}}$", network) == "dL0/dw[L][1,1]"


def test_a_box_or_an_underline_around_a_whole_equation_is_a_mark():
    plain = parse_spec("symbols: [x]\nclaims: []\n", "p.yaml").scope
    for text in (r"$\underline{x^2 = x x}$", r"$\boxed{x^2 = x \cdot x}$"):
        assert [sx.to_text(side) for side in parse_chain(text, HERE, plain)] == ["x^2", "x · x"]
    assert read(r"$\underline{x} + 1$", plain) == "x + 1"
    for lead in (r"\therefore", r"\Rightarrow", r"\implies"):  # what leads into an equation
        assert [sx.to_text(side) for side in parse_chain(f"${lead} x = 1 \\cdot x$", HERE, plain)] == ["x", "1 · x"]
    with pytest.raises(InputError, match="cannot stand here"):  # between two sides it is not an equals sign
        parse_chain(r"$x = 1 \Rightarrow x = 2$", HERE, plain)


def test_a_derivative_operator_needs_what_it_differentiates():
    with pytest.raises(InputError, match=r"needs what it differentiates"):
        parse_chain(r"$x_k \frac{\partial}{\partial x_k} = 1$", HERE, SCOPE)
    named = parse_spec("network: {sizes: [1, 1]}\nnotation: {target: d}\nclaims: []\n", "p.yaml").scope
    assert read(r"$\frac{d}{x}$", named) == "d / x"  # a file that names d (its targets) divides by x


def test_delta_is_the_kronecker_delta_where_no_let_is_named_delta():
    plain = parse_spec("symbols: [x]\nclaims: []\n", "p.yaml").scope
    assert read(r"$\delta_{ij} x$", plain) == "[i == j] · x"


def test_e_to_a_power_is_the_exponential_unless_a_named_e_is_squared():
    named = parse_spec("symbols: [x, y]\nlet:\n  e: y - x\nclaims: []\n", "p.yaml").scope
    assert read(r"$e^{-x} + e^x$", named) == "exp(-x) + exp(x)"  # the note's e is an error; e^{-x} still exp
    assert read(r"$\frac{1}{2} e^2 + e^{2}$", named) == "1 / 2 · e^2 + e^2"
    assert read(r"$e^{\top} + e^T$", named) == "e.T + e.T"
    assert read(r"$e^2$") == "exp(2)"


def test_a_let_written_as_a_function_of_what_it_uses_is_that_let():
    lets = parse_spec("symbols: [x, y]\nlet:\n  p: -x\n  q: 1 + exp(p)\n  f: 1/q\nclaims: []\n", "p.yaml").scope
    assert read(r"$f(q) + q(p) + f(x) + f(x, p)$", lets) == "f + q + f + f"  # x through q and p
    assert read(r"$p(q) + f(1 - q) + q(y)$", lets) == "p · q + f · (1 - q) + q · y"  # not what it uses: products


def test_annotations_are_never_read():
    assert read(r"$\underbrace{\sigma(z)}_{= \sigma'(z)\ ???} \cdot \boxed{x}$") == "sigmoid(z) · x"
    assert read(r"$\overbrace{a + b}^{\text{two}} c$") == "(a + b) · c"


def test_a_chain_is_a_derivation_in_steps():
    sides = parse_chain(r"$\frac{\partial C}{\partial b^l_j} = \delta^l_j = \delta^l_j \cdot 1$", HERE, SCOPE)
    assert [sx.to_text(side) for side in sides] == ["dC/db[l][j]", "delta[l][j]", "delta[l][j] · 1"]


@pytest.mark.parametrize("latex, message", [
    (r"$\partail C$", "hw.yaml:9:13: unknown command \\partail (did you mean \\partial?)"),
    (r"$\frac{a}$", "\\frac has one argument; it needs two"),
    (r"${a + b$", "hw.yaml:9:19: expected } to close the {"),
    (r"$a + b}$", "hw.yaml:9:18: unexpected '}' (a closing bracket without its opening one?)"),
    (r"$(a + b$", "'(' is not closed"),
    (r"$\sum_{w} x$", "'w' cannot be a summation index"),
    (r"$\frac{\partial C}{x}$", "the denominator of a derivative is \\partial and the variable"),
    (r"$\partial C$", "\\partial C needs / \\partial and the variable"),
    (r"$\frac{\partial C}{\partial z^l_j} = $", "the LaTeX ends too early"),
])
def test_errors_are_one_line_at_the_column_of_the_latex(latex, message):
    with pytest.raises(InputError) as caught:
        parse_chain(latex, HERE, SCOPE)
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_latex_has_the_limits_of_the_plain_syntax():
    with pytest.raises(InputError, match="expression nested too deeply"):
        parse_expression("$" + "{" * 300 + "x" + "}" * 300 + "$", HERE, SCOPE)
    with pytest.raises(InputError, match="expression too long"):
        parse_expression("$" + "x + " * 2000 + "x$", HERE, SCOPE)
    with pytest.raises(InputError, match="too many primes"):
        parse_expression("$\\sigma" + "'" * 11 + "(z^1_1)$", HERE, SCOPE, Limits())


def test_the_contracts_example_is_proved_and_a_wrong_line_is_false(check):
    result = check(r"""
        network:
          sizes: [2, 3, 2]
          activation: sigmoid
          loss: half_sse
        let:
          delta[L][j]: '$(a^L_j - y_j)\,\sigma''(z^L_j)$'   # '' is a quote inside single quotes
          delta[l][j]: '$\sum_k w^{l+1}_{kj}\,\delta^{l+1}_k\,\sigma''(z^l_j)$'
        claims:
          - claim: '$\frac{\partial C}{\partial z^l_j} = \delta^l_j$'
          - claim: |
              $\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j$
          - claim: '$\frac{\partial C}{\partial w^l_{jk}} = a^{l}_k \delta^l_j$'
            expect: false
          - claim: '$\nabla_a C = a^L - y$'
          - claim: '$\delta^{l} = ((w^{l+1})^T \delta^{l+1}) \odot \sigma''(z^l)$'
            for: l in 1..L-1
    """)
    assert [c.verdict for c in result.claims] == [Verdict.PROVED, Verdict.PROVED, Verdict.FALSE, Verdict.PROVED,
                                                  Verdict.PROVED]
    assert result.claims[1].text == r"$\frac{\partial C}{\partial w^l_{jk}} = a^{l-1}_k \delta^l_j$"
