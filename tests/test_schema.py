"""The JSON Schema of the derivation format, for editors (yaml-language-server reads draft-07)."""

from __future__ import annotations

import json

import jsonschema
import pytest
import yaml

from conftest import ROOT
from derivcheck.forward_spec import FORWARD_KEYS
from derivcheck.network_spec import NETWORK_KEYS
from derivcheck.spec import CLAIM_KEYS, TOP_KEYS

SCHEMA = json.loads((ROOT / "derivcheck" / "derivation.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft7Validator(SCHEMA)


def test_the_schema_is_draft_07_and_names_the_keys_the_reader_takes():
    jsonschema.Draft7Validator.check_schema(SCHEMA)
    assert SCHEMA["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert set(SCHEMA["properties"]) == set(TOP_KEYS) | set(FORWARD_KEYS)
    assert set(SCHEMA["properties"]["network"]["properties"]) == set(NETWORK_KEYS)
    claim = SCHEMA["properties"]["claims"]["items"]["anyOf"][1]
    assert set(claim["properties"]) == set(CLAIM_KEYS)


@pytest.mark.parametrize("path", sorted((ROOT / "derivations").glob("*.yaml")), ids=lambda p: p.name)
def test_every_derivation_file_follows_the_schema(path):
    errors = [error.message for error in VALIDATOR.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8")))]
    assert errors == []


def test_the_schema_accepts_expect_false_as_yaml_writes_it_and_refuses_typos():
    claims = "network: {sizes: [2, 2]}\nclaims:\n  - claim: dC/db[l][j] = 0\n    expect: false\n"
    assert VALIDATOR.is_valid(yaml.safe_load(claims))
    assert not VALIDATOR.is_valid(yaml.safe_load(claims.replace("expect", "expected")))
    assert not VALIDATOR.is_valid(yaml.safe_load(claims.replace("sizes", "size")))
    assert not VALIDATOR.is_valid(yaml.safe_load(claims.replace("expect: false", "expect: maybe")))
