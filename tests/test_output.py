"""What the commands write survives any input and any failure: escaped names, strict JSON, parsable
XML, files replaced whole, a failing standard output reported in one line."""

from __future__ import annotations

import json
import os
import subprocess
import xml.etree.ElementTree as ET

import pytest

from conftest import ROOT, console_script, network_file
from derivcheck.errors import DerivcheckError
from derivcheck.export import to_json, to_junit
from derivcheck.output import write_file
from derivcheck.results import ClaimResult, FileResult, Verdict
from derivcheck.source import one_line, visible
from derivcheck.options import Options

GOOD = network_file("- name: BP3\n  claim: dC/db[l][j] = dC/dz[l][j]", "sizes: [2, 2]")


def test_visible_escapes_what_terminals_and_xml_cannot_take():
    assert visible("a\x1b[2Jb") == "a\\u001b[2Jb"
    assert visible("x\ufffey\uffff") == "x\\ufffey\\uffff"
    assert visible(os.fsdecode(b"hw\xff.yaml")) == "hw\\xff.yaml"  # an undecodable byte of a file name
    assert visible("two\nlines") == "two\nlines" and one_line("two\nlines") == "two\\nlines"


def test_a_file_is_replaced_whole_or_not_at_all(tmp_path, monkeypatch):
    target = tmp_path / "grades.xml"
    target.write_text("old")
    write_file(str(target), "new")
    assert target.read_text() == "new" and oct(target.stat().st_mode & 0o777) != oct(0o600)

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(DerivcheckError, match="cannot write .*grades.xml: No space left on device"):
        write_file(str(target), "newer")
    assert target.read_text() == "new" and os.listdir(tmp_path) == ["grades.xml"]  # no temporary file left


def test_json_is_strict_and_printable():
    claim = ClaimResult(1, "a\x1bname", "x = y", "f.yaml:1:1", "holds", Verdict.HOLDS, seconds=float("inf"))
    result = FileResult(os.fsdecode(b"hw\xff.yaml"), "t", (claim,))
    text = to_json([result], float("nan"), Options())
    document = json.loads(text, parse_constant=lambda name: pytest.fail(f"non-standard JSON: {name}"))
    assert document["seconds"] == "nan" and document["files"][0]["claims"][0]["seconds"] == "inf"
    assert document["files"][0]["path"] == "hw\\xff.yaml" and document["files"][0]["claims"][0]["name"] == "a\\u001bname"
    text.encode("utf-8")  # strict: no lone surrogates


def test_junit_parses_whatever_the_names():
    claim = ClaimResult(1, "bad\ufffe\x00name", "x\uffff = y", "f.yaml:1:1", "holds", Verdict.FALSE,
                        error=None)
    result = FileResult(os.fsdecode(b"hw\xff\n.yaml"), "t", (claim,), error=None)
    root = ET.fromstring(to_junit([result], 1.0).encode("utf-8"))
    case = root.find("testsuite/testcase")
    assert "bad\\ufffe\\u0000name" in case.get("name")


def run_strict(*args, stdout=subprocess.PIPE, cwd=None):
    env = dict(os.environ, COLUMNS="200", PYTHONIOENCODING="utf-8:strict")
    return subprocess.run(console_script() + list(args), stdout=stdout, stderr=subprocess.PIPE, cwd=cwd or ROOT,
                          env=env, timeout=300)


def test_a_file_name_that_is_not_utf8_is_shown_escaped_everywhere(run, tmp_path):
    name = os.fsdecode(b"hw\xff.yaml")
    (tmp_path / name).write_text(GOOD, encoding="utf-8")
    junit = tmp_path / "grades.xml"
    terminal = run_strict("check", ".", "--junit", str(junit), cwd=tmp_path)
    assert terminal.returncode == 0, terminal.stderr
    assert b"hw\\xff.yaml" in terminal.stdout
    assert ET.parse(junit).getroot().find("testsuite").get("name").endswith("hw\\xff.yaml")
    as_json = json.loads(run_strict("check", ".", "--json", cwd=tmp_path).stdout)
    assert as_json["files"][0]["path"].endswith("hw\\xff.yaml")
    report = run_strict("report", name, cwd=tmp_path)
    assert report.returncode == 0 and b"Traceback" not in report.stderr


def test_newlines_in_names_forge_no_lines(run, write, tmp_path):
    path = write('title: "a\\n1 file, 1 claim: 1 proved"\n' + GOOD.replace("name: BP3", 'name: "x\\n# heading"'))
    output = run("check", path).stdout
    assert "a\\n1 file, 1 claim: 1 proved" in output and "x\\n# heading" in output
    document = run("report", path).stdout
    assert "\n# heading" not in document and "\n1 file" not in document


def test_a_failing_standard_output_is_one_line_after_the_other_outputs(run, write, tmp_path):
    path = write(GOOD)
    junit = tmp_path / "grades.xml"
    with open("/dev/full", "w") as full:
        result = run_strict("check", path, "--junit", str(junit), stdout=full)
    assert result.returncode == 2
    assert result.stderr.decode().strip() == "derivcheck: cannot write to standard output: No space left on device"
    assert ET.parse(junit).getroot().get("tests") == "1"
    with open("/dev/full", "w") as full:
        report = run_strict("report", path, stdout=full)
    assert report.returncode == 2 and report.stderr.decode().count("\n") == 1


def test_json_to_a_file(run, write, tmp_path):
    target = tmp_path / "out.json"
    result = run("check", write(GOOD), "--json-file", str(target))
    assert result.returncode == 0 and "BP3" in result.stdout  # the terminal report as well
    assert json.loads(target.read_text())["summary"]["proved"] == 1


def test_paths_are_reported_in_argument_order(run, write, tmp_path):
    good = write(GOOD)
    result = run("check", "missing-one.yaml", good, "missing-two.yaml", "--json")
    paths = [entry["path"] for entry in json.loads(result.stdout)["files"]]
    assert paths == ["missing-one.yaml", good, "missing-two.yaml"]


def test_an_unreadable_folder_is_an_error_not_skipped(tmp_path, monkeypatch):
    from derivcheck.files import derivation_files

    (tmp_path / "locked").mkdir()
    (tmp_path / "a.yaml").write_text(GOOD)
    real = os.scandir

    def scandir(path):
        if os.fspath(path).endswith("locked"):
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real(path)

    monkeypatch.setattr(os, "scandir", scandir)
    entries = derivation_files([str(tmp_path)])
    assert entries[0] == str(tmp_path / "a.yaml")
    assert entries[1].error == f"{tmp_path / 'locked'}: cannot read folder: Permission denied"


def test_pipes_and_devices_are_refused_and_links_out_of_a_folder_not_followed(run, write, tmp_path):
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    for command in (["check"], ["report"], ["grad"]):
        result = run(*command, str(fifo))
        assert result.returncode == 2 and "not a regular file" in result.stdout + result.stderr
    outside = tmp_path.parent / f"{tmp_path.name}-outside.yaml"
    outside.write_text(GOOD)
    folder = tmp_path / "class"
    folder.mkdir()
    (folder / "link.yaml").symlink_to(outside)
    (folder / "own.yaml").write_text(GOOD)
    paths = [entry["path"] for entry in json.loads(run("check", str(folder), "--json").stdout)["files"]]
    assert paths == [str(folder / "own.yaml")]


def test_a_closed_pipe_or_a_closed_stdout_is_one_line_too(run, write, tmp_path):
    path, junit = write(GOOD), tmp_path / "grades.xml"
    process = subprocess.Popen(console_script() + ["check", path, "--junit", str(junit)], cwd=ROOT,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    process.stdout.close()  # the reader is gone before anything is written (`| head` that already quit)
    stderr = process.stderr.read()
    assert process.wait(timeout=120) == 2
    assert stderr == "derivcheck: cannot write to standard output: the reader closed the pipe\n"
    assert ET.parse(junit).getroot().get("tests") == "1"
    closed = subprocess.run(console_script() + ["check", path], cwd=ROOT, capture_output=False,
                            stderr=subprocess.PIPE, text=True, preexec_fn=lambda: os.close(1), timeout=120)
    assert closed.returncode == 2 and closed.stderr == "derivcheck: cannot write to standard output: it is closed\n"
