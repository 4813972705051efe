"""Reading derivation files: structure, strict validation, errors with positions."""

from __future__ import annotations

import re

import pytest

from derivcheck.errors import InputError
from derivcheck.spec import load_spec


def spec_error(write, text: str) -> str:
    path = write(text)
    with pytest.raises(InputError) as caught:
        load_spec(path)
    message = str(caught.value)
    assert message.startswith(path + ":") and "\n" not in message
    return message[len(path) + 1:]


def test_full_network_is_read(write):
    spec = load_spec(write("""
        title: t
        network:
          sizes: [2, 3, 2]
          activation: [tanh, sigmoid]
          output: softmax
          loss: cross_entropy
          bias: folded
          targets: one_hot
          batch: 4
          reduction: mean
        notation: {preact: s, act: q, weight: theta, order: from_to}
        claims:
          - claim: dC/ds[L][j] = yhat[j] - y[j]
    """))
    network = spec.network
    assert network.sizes == (2, 3, 2)
    assert network.activations == ("tanh", "softmax")
    assert (network.loss, network.bias, network.targets, network.batch, network.reduction) == (
        "cross_entropy", "folded", "one_hot", 4, "mean")
    assert network.notation.names["weight"] == "theta" and network.notation.from_to
    assert "S" in spec.scope.values and "theta" in spec.scope.values


def test_defaults(write):
    network = load_spec(write("network: {sizes: [1, 1]}\nclaims: []\n")).network
    assert network.activations == ("sigmoid",) and network.loss == "half_sse"
    assert (network.bias, network.targets, network.batch, network.reduction) == ("true", "any", 1, "sum")


def test_softmax_default_loss_is_cross_entropy(write):
    assert load_spec(write("network: {sizes: [2, 2], output: softmax}\nclaims: []\n")).network.loss == "cross_entropy"


def test_yaml_syntax_error_has_position(write):
    assert spec_error(write, "network:\n  sizes: [1, 2\nclaims: []\n").startswith("3:")


def test_duplicate_key_names_both_lines(write):
    message = spec_error(write, "claims: []\nnetwork: {sizes: [1, 1]}\nclaims: []\n")
    assert message.startswith("3:1: duplicate key 'claims'") and "first given at line 1" in message


def test_unknown_key_suggests(write):
    message = spec_error(write, "network:\n  sizes: [1, 1]\n  activaton: tanh\nclaims: []\n")
    assert message.startswith("3:3: unknown key 'activaton' in network") and "did you mean 'activation'" in message


def test_yaml_tags_are_refused(write):
    message = spec_error(write, "title: !!python/object/apply:os.system ['touch x']\nclaims: []\n")
    assert "is not allowed" in message


def test_bad_sizes(write):
    assert "whole number" in spec_error(write, "network: {sizes: [2, two]}\nclaims: []\n")
    assert "at least an input and an output" in spec_error(write, "network: {sizes: [2]}\nclaims: []\n")
    assert "network too large" in spec_error(write, "network: {sizes: [2, 100000]}\nclaims: []\n")


def test_softmax_only_at_the_output(write):
    assert "only be the output" in spec_error(write, "network: {sizes: [1, 2, 1], activation: softmax, output: sigmoid}\nclaims: []\n")


def test_yaml_11_words_are_not_coerced(write):
    # `no` would be False in YAML 1.1; here it is just a name: a generic activation called no
    spec = load_spec(write("network: {sizes: [1, 1], activation: no}\nclaims: []\n"))
    assert spec.network.activations == ("no",)
    assert "must be one of" in spec_error(write, "network: {sizes: [1, 1], bias: 010}\nclaims: []\n")


def test_activation_list_length(write):
    assert "one name per layer 1..2" in spec_error(write, "network: {sizes: [1, 1, 1], activation: [tanh]}\nclaims: []\n")


def test_notation_clash(write):
    assert "names both" in spec_error(write, "network: {sizes: [1, 1]}\nnotation: {weight: b}\nclaims: []\n")


def test_claim_errors_stay_with_their_claim(write):
    spec = load_spec(write("""
        network: {sizes: [1, 1]}
        claims:
          - claim: dC/dw[1] = sigma(z[1])
          - claim: dC/db[1] = dC/dz[1]
          - name: no claim here
          - claim: C = 1
            expect: maybe
          - claim: C = 1
            colour: red
    """))
    first, second, third, fourth, fifth = spec.claims
    assert first.error is not None and "unknown function 'sigma'" in str(first.error)
    assert str(first.error).split(":")[1:3] == ["3", "23"]
    assert second.error is None and second.equation is not None
    assert "has no `claim:`" in str(third.error)
    assert "expect must be holds or false" in str(fourth.error)
    assert "unknown key 'colour'" in str(fifth.error)


def test_let_definitions(write):
    spec = load_spec(write("""
        network: {sizes: [2, 2, 1]}
        let:
          delta[L][j]: (a[L][j] - y[j]) * sigmoid'(z[L][j])
          delta[l][j]: sum(k, w[l+1][k,j] * delta[l+1][k]) * sigmoid'(z[l][j])
          h(u): 2*u
          e: (y - yhat)^2
        claims:
          - claim: dC/dz[l][j] = delta[l][j]
    """))
    assert [let.name for let in spec.lets] == ["delta", "delta", "h", "e"]
    assert "h" in spec.scope.functions and "e" in spec.scope.values


def test_let_cannot_redefine_a_quantity(write):
    assert "already defined" in spec_error(write, "network: {sizes: [1, 1]}\nlet:\n  w: 2\nclaims: []\n")


def test_plain_calculus_file(write):
    spec = load_spec(write("""
        symbols: {x: positive, y: [real, nonzero]}
        data: {t: [1, 2.5, 3]}
        claims:
          - claim: d(x*y)/d(x) = y
            at: {x: 3, y: 2}
    """))
    assert spec.network is None and spec.symbols == {"x": ("positive",), "y": ("real", "nonzero")}
    assert spec.data["t"].shape == (3,) and spec.data["t"].values == ("1", "2.5", "3")
    assert spec.claims[0].at is not None


def test_unknown_assumption(write):
    assert "unknown assumption 'complex'" in spec_error(write, "symbols: {x: complex}\nclaims: []\n")


def test_missing_claims(write):
    assert "has no `claims:`" in spec_error(write, "network: {sizes: [1, 1]}\n")


def test_unreadable_files(write, tmp_path):
    for depth in (60, 5000):  # 5000: beyond the depth where libyaml itself stops (PyYAML ≥ 6.0.4)
        deep = write("claims: " + "[" * depth + "]" * depth + "\n")
        with pytest.raises(InputError, match=r"nested too deeply \(limit yaml_depth = 50;"):
            load_spec(deep)
    binary = tmp_path / "b.yaml"
    binary.write_bytes(b"\x89PNG\r\n")
    with pytest.raises(InputError, match="not UTF-8 text"):
        load_spec(str(binary))
    with pytest.raises(InputError, match="the file is empty"):
        load_spec(write(""))


def test_let_function_defined_twice(write):
    assert "defined twice" in spec_error(write, "symbols: [x]\nlet:\n  h(u): u\n  h(v): 2*v\nclaims: []\n")
    assert "already defined" in spec_error(write, "symbols: [x]\nlet:\n  exp(u): u\nclaims: []\n")


def test_yaml_11_coercions_read_as_written(write, check):
    # YAML 1.1 would make these False, True, 8 (octal), a string and a date
    text = """
        symbols: [no, on, off, yes]
        data: {v: [010, 1e3VALUES]}
        claims:
          - claim: no * on = on * no
          - claim: v[1] = 10
          - claim: v[2] = 1000
          - claim: off = yes
            expect: false
    """
    result = check(text.replace("VALUES", ", 0x10, 2001-01-01"))
    assert result.error and "a value of v must be a finite number, not '0x10'" in result.error
    result = check(text.replace("VALUES", ""))
    assert [c.verdict.value for c in result.claims] == ["proved", "proved", "proved", "false"]


def test_every_yaml_message_has_line_and_column(write):
    assert "'d' is reserved" in spec_error(write, "data: {d: [1]}\nclaims: []\n")
    for text in ("claims: [\n", "claims:\n  - claim: x = 1\n  bad\n", "a: 1\na: 2\nclaims: []\n",
                 "claims: !!set {}\n", "claims:\n  - {claim: 'x = 1', for: [1, 2]}\n"):
        path = write(text)
        try:
            load_spec(path)
        except InputError as error:
            assert re.match(re.escape(path) + r":\d+:\d+: ", str(error)), str(error)
        else:
            spec = load_spec(path)
            assert all(re.match(re.escape(path) + r":\d+:\d+: ", str(c.error)) for c in spec.claims)


def test_a_raw_control_character_is_one_line_with_its_place(write):
    message = spec_error(write, "claims:\n  - claim: x\x00 = 1\n")
    assert message == "2:13: control character U+0000 is not allowed"
