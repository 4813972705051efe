"""JSON (validated against the published schema) and JUnit XML."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import jsonschema

from conftest import ROOT
from derivcheck.export import to_json, to_junit
from derivcheck.results import ClaimResult, Counterexample, Diagnosis, FileResult, Verdict
from derivcheck.runner import check_files
from derivcheck.options import Options

SCHEMA = json.loads((ROOT / "docs" / "results.schema.json").read_text(encoding="utf-8"))


def claim(**fields) -> ClaimResult:
    base = dict(number=1, name="BP4", text="dC/dw[l][j,k] = delta[l][j] * a[l-1][k]", location="f.yaml:9:5",
                expect="holds", verdict=Verdict.PROVED, instances=12, proved=12)
    base.update(fields)
    return ClaimResult(**base)


FALSE = claim(number=2, name="mistake", location="f.yaml:11:5", verdict=Verdict.FALSE, proved=0, failed=2,
              counterexamples=(Counterexample({"l": 1, "j": 2}, 0.5, 0.25, {"w[1][2,1]": 1.5}),
                               Counterexample({"l": 2, "j": 3}, reason="a[2][3] is out of range")),
              diagnosis=Diagnosis("activation_wrong_layer", "the activation of the wrong layer: a[l][k] should be "
                                  "a[l-1][k]", "dC/dw[l][j,k] = delta[l][j] * a[l-1][k]"))
KEPT = claim(number=3, name="claim 3", location="f.yaml:13:5", verdict=Verdict.FALSE, expect="false", failed=1,
             proved=0, counterexamples=(Counterexample({"j": 1}, 1.0, 2.0),))
BROKEN = claim(number=4, name="claim 4", location="f.yaml:15:5", verdict=Verdict.ERROR, instances=0, proved=0,
               error="f.yaml:15:14: unknown function 'sigma'")
RESULTS = [FileResult("f.yaml", "BP", (claim(), FALSE, KEPT, BROKEN), seconds=0.25),
           FileResult("bad.yaml", "bad.yaml", error="bad.yaml:3:1: invalid YAML: found unexpected end of stream")]


def test_json_document_follows_the_schema_and_counts():
    document = json.loads(to_json(RESULTS, 0.5, Options(seed=7)))
    jsonschema.validate(document, SCHEMA)
    assert document["schema"] == 1 and document["status"] == 2
    assert document["options"]["seed"] == 7 and document["options"]["limits"]["parameters"] == 5000
    assert document["summary"] == {"files": 2, "claims": 4, "proved": 1, "holds": 0, "false": 2, "error": 1, "skipped": 0,
                                   "unexpected": 2, "file_errors": 1}
    second = document["files"][0]["claims"][1]
    assert second["verdict"] == "false" and second["ok"] is False
    assert second["counterexamples"][1]["reason"] == "a[2][3] is out of range"
    assert second["diagnosis"] == {"code": "activation_wrong_layer", "corrected": "dC/dw[l][j,k] = delta[l][j] * a[l-1][k]",
                                   "message": "the activation of the wrong layer: a[l][k] should be a[l-1][k]",
                                   "truth": None, "corrected_latex": None}


def test_the_schema_rejects_a_document_without_verdicts():
    document = json.loads(to_json(RESULTS, 0.5, Options()))
    del document["files"][0]["claims"][0]["verdict"]
    try:
        jsonschema.validate(document, SCHEMA)
    except jsonschema.ValidationError as error:
        assert "'verdict' is a required property" in error.message
    else:
        raise AssertionError("the schema accepted a claim without a verdict")


def test_junit_fails_unexpected_claims_and_errors_unreadable_ones():
    root = ET.fromstring(to_junit(RESULTS, 0.5))
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "2")
    suite, bad = root.findall("testsuite")
    assert suite.get("name") == "f.yaml" and (suite.get("tests"), suite.get("failures")) == ("4", "1")
    cases = suite.findall("testcase")
    assert [c.get("line") for c in cases] == ["9", "11", "13", "15"]
    assert cases[0].find("failure") is None and cases[2].find("failure") is None  # a kept mistake passes
    failure = cases[1].find("failure")
    assert failure.get("message") == "false: at l=1, j=2: left side = 0.5, right side = 0.25"
    assert "a[2][3] is out of range" in failure.text
    assert "right: dC/dw[l][j,k] = delta[l][j] * a[l-1][k]" in failure.text
    assert cases[3].find("error").get("message") == "f.yaml:15:14: unknown function 'sigma'"
    assert bad.find("testcase/error").get("message").startswith("bad.yaml:3:1: invalid YAML")


def test_junit_reports_a_wrong_expectation_of_false():
    root = ET.fromstring(to_junit([FileResult("g.yaml", "g", (claim(expect="false"),))], 0.1))
    assert root.find("testsuite/testcase/failure").get("message") == \
        "proved at every instance, but the file expects it to be false"


def test_junit_is_well_formed_with_control_characters_in_paths():
    results = [FileResult("hw\x1b.yaml", "hw", (FALSE,)), FileResult("b\x00.yaml", "b", error="b\x00.yaml:1:1: x")]
    root = ET.fromstring(to_junit(results, 0.1))
    assert root.find("testsuite").get("name") == "hw\\u001b.yaml"
    assert root.findall("testsuite")[1].find("testcase/error").get("message") == "b\\u0000.yaml:1:1: x"


def test_a_real_run_with_diagnoses_and_steps_follows_the_schema(write):
    path = write("""
        network: {sizes: [2, 2]}
        claims:
          - claim: dC/db[l][j] = 2 * dC/dz[l][j] = dC/dz[l][j]
          - claim: dC/db[l][j] = -dC/dz[l][j]
    """)
    document = json.loads(to_json(check_files([path], Options()), 1.0, Options()))
    jsonschema.validate(document, SCHEMA)
    first, second = document["files"][0]["claims"]
    assert first["steps"][0]["diagnosis"]["corrected"] == "dC/dz[l][j]" and first["steps"][1]["right_again"]
    assert second["diagnosis"]["code"] == "sign"
