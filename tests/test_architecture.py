"""The layering: every module imports only modules below it; the library never prints or exits."""

from __future__ import annotations

import re

from conftest import ROOT

ORDER = ["errors", "deadlines", "limits", "options", "roles", "source", "syntax", "latex_tokens", "latex_names", "latex_derivatives", "latex", "python_text", "expressions", "functions", "forward_spec", "notes", "network_spec", "network_table", "plain_spec", "layering", "spec", "grading", "latex_writer", "graph", "indexing", "table_ranges", "table_leaves", "tensors", "network", "lets",
         "matrices", "index_values", "semantics", "instances", "numeric", "proof", "results", "printing", "judge", "gradients", "rewriting", "edits", "forward_edits", "diagnose", "search", "verify", "checkers", "runner",
         "files", "report", "export", "gradebook", "document", "api", "watch", "pytest_plugin", "output", "templates", "cli", "__main__"]
PACKAGE = ROOT / "derivcheck"


def imports(name: str) -> set[str]:
    text = (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
    return set(re.findall(r"from \.(\w+) import", text)) | set(re.findall(r"from \. import (\w+)", text))


def test_every_module_is_in_the_layering():
    assert {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"} == set(ORDER)


def test_imports_flow_one_way():
    for position, name in enumerate(ORDER):
        upward = {d for d in imports(name) if d in ORDER and ORDER.index(d) >= position}
        assert not upward, f"{name} imports {upward}"


def test_only_the_command_line_prints_or_exits():
    for name in ORDER:
        if name in ("cli", "__main__"):
            continue
        text = (PACKAGE / f"{name}.py").read_text(encoding="utf-8")
        assert not re.search(r"\bprint\(|sys\.exit|\bexit\(", text), name


def test_no_text_reaches_eval_or_sympify():
    for path in PACKAGE.glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"\b(eval|exec|sympify|parse_expr)\(", text), path.name
        assert "yaml.load(" not in text, path.name
