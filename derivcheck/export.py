"""Rendering results for machines: JSON (versioned schema, docs/JSON.md) and JUnit XML."""

from __future__ import annotations

import json
import math
import xml.etree.ElementTree as ET
from collections import Counter
from dataclasses import asdict

from . import __version__
from .report import counterexample_lines, diagnosis_lines
from .results import ClaimResult, FileResult, Verdict
from .source import visible
from .options import Options

# The number changes only when a field is removed or changes meaning; new fields may appear in any version.
JSON_SCHEMA_VERSION = 1


def to_json(results: list[FileResult], seconds: float, options: Options) -> str:
    claims = [c for r in results for c in r.claims]
    counts = Counter(c.verdict.value for c in claims)
    document = {
        "schema": JSON_SCHEMA_VERSION,
        "derivcheck": __version__,
        "status": max((r.status for r in results), default=0),
        "seconds": round(seconds, 4),
        "options": {"seed": options.seed, "points": options.points, "timeout": options.timeout,
                    "file_timeout": options.file_timeout, "prove": options.prove, "limits": asdict(options.limits)},
        "summary": {"files": len(results), "claims": len(claims),
                    **{v.value: counts.get(v.value, 0) for v in Verdict},
                    "unexpected": sum(1 for c in claims if not c.ok),
                    "file_errors": sum(1 for r in results if r.error)},
        "files": [r.to_dict() for r in results],
    }
    return json.dumps(_strict(document), indent=2, ensure_ascii=False, allow_nan=False)


def _strict(value):
    """A document that is strict JSON and prints anywhere: text ``visible`` (no control characters,
    no undecodable bytes of file names), non-finite numbers as text ("inf", "nan")."""
    if isinstance(value, dict):
        return {_strict(key): _strict(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_strict(item) for item in value]
    if isinstance(value, str):
        return visible(value)
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


def to_junit(results: list[FileResult], seconds: float) -> str:
    """JUnit XML: a test suite per file, a test case per claim; a claim not as expected fails,
    an unreadable claim or file is an error."""
    root = ET.Element("testsuites", name="derivcheck", time=f"{seconds:.3f}")
    totals = Counter()
    for result in results:
        suite = ET.SubElement(root, "testsuite", name=result.path, time=f"{result.seconds:.3f}")
        counts = Counter()
        if result.error:
            case = ET.SubElement(suite, "testcase", classname=_class_name(result.path), name="read the file")
            ET.SubElement(case, "error", message=result.error, type="input").text = result.error
            counts.update(tests=1, errors=1)
        for claim in result.claims:
            counts.update(tests=1, **_junit_case(suite, result.path, claim))
        for key in ("tests", "failures", "errors", "skipped"):
            suite.set(key, str(counts[key]))
        totals.update(counts)
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    for element in root.iter():  # nothing XML 1.0 forbids, in any name, message or text
        element.text = visible(element.text) if element.text else element.text
        for key, value in element.attrib.items():
            element.set(key, visible(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _class_name(path: str) -> str:
    return path.replace("/", ".").replace("\\", ".").removesuffix(".yaml").removesuffix(".yml")


def _junit_case(suite: ET.Element, path: str, claim: ClaimResult) -> dict[str, int]:
    title = claim.name if claim.name == f"claim {claim.number}" else f"claim {claim.number}: {claim.name}"
    case = ET.SubElement(suite, "testcase", classname=_class_name(path), name=f"{title}: {claim.text}",
                         time=f"{claim.seconds:.3f}", file=path, line=claim.location.rsplit(":", 2)[-2])
    notes = [f"note: {note}" for note in claim.notes]
    if claim.verdict is Verdict.ERROR:
        ET.SubElement(case, "error", message=claim.error or "error", type="error").text = \
            claim.error or "error"
        return {"errors": 1}
    if claim.verdict is Verdict.SKIPPED:
        ET.SubElement(case, "skipped", message=claim.error or "skipped")
        return {"skipped": 1}
    if claim.ok:
        if notes:
            ET.SubElement(case, "system-out").text = "\n".join(notes)
        return {}
    if claim.verdict is Verdict.FALSE:
        lines = [line for example in claim.counterexamples for line in counterexample_lines(example)]
        message = f"false: {lines[0]}" if lines else "false"
        lines += diagnosis_lines(claim)
    else:
        lines = [f"{claim.verdict.value} at every instance, but the file expects it to be false"]
        message = lines[0]
    ET.SubElement(case, "failure", message=message, type=claim.verdict.value).text = \
        "\n".join(lines + notes)
    return {"failures": 1}
