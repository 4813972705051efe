"""End to end through the installed console script: exit status, output, errors, help."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from conftest import console_script, network_file
from derivcheck.cli import build_parser, main

GOOD = network_file("- name: BP3\n  claim: dC/db[l][j] = dC/dz[l][j]", "sizes: [2, 2]")
WRONG = network_file("- name: wrong bias gradient\n  claim: dC/db[1][j] = 2 * dC/dz[1][j]", "sizes: [2, 2]")
BROKEN = network_file("- claim: dC/db[1][j] = sigma(z[1][j])", "sizes: [2, 2]")


def test_all_as_expected_exits_0(run, write):
    result = run("check", write(GOOD))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BP3" in result.stdout and "proved" in result.stdout
    assert "1 file, 1 claim: 1 proved, 0 hold, 0 false; 0 not as expected, 0 errors" in result.stdout


def test_a_false_claim_exits_1_and_shows_the_counterexample(run, write):
    result = run("check", write(WRONG))
    assert result.returncode == 1
    assert "false ✗" in result.stdout
    assert "at j=1: left side = " in result.stdout and "right side = " in result.stdout
    assert "where b[1][1]=" in result.stdout


def test_unreadable_claim_exits_2_with_one_line_and_no_traceback(run, write):
    path = write(BROKEN)
    result = run("check", path)
    assert result.returncode == 2
    assert f"{path}:4:26: unknown function 'sigma' (did you mean 'sigmoid'?" in result.stdout.replace("\n", "")
    assert "Traceback" not in result.stdout + result.stderr


def test_a_folder_is_checked_in_order_and_one_bad_file_does_not_stop_it(run, write, tmp_path):
    write(GOOD, "a.yaml")
    write("network: {sizes: [2, 2]\nclaims: [\n", "b.yaml")
    write(WRONG, "c.yaml")
    result = run("check", str(tmp_path), "--json")
    assert result.returncode == 2
    document = json.loads(result.stdout)
    names = [f["path"].rsplit("/", 1)[1] for f in document["files"]]
    assert names == ["a.yaml", "b.yaml", "c.yaml"]
    assert [f["status"] for f in document["files"]] == [0, 2, 1]
    assert document["files"][1]["error"].startswith(str(tmp_path / "b.yaml") + ":")


def test_json_schema(run, write):
    document = json.loads(run("check", write(WRONG), "--json").stdout)
    assert document["schema"] == 1 and document["status"] == 1
    assert set(document["summary"]) >= {"files", "claims", "proved", "holds", "false", "error", "unexpected"}
    claim = document["files"][0]["claims"][0]
    assert claim["verdict"] == "false" and claim["ok"] is False and claim["expect"] == "holds"
    example = claim["counterexamples"][0]
    assert example["instance"] == {"j": 1} and isinstance(example["lhs"], float) and example["point"]


def test_quiet_shows_only_what_is_not_as_expected(run, write):
    good, wrong = write(GOOD, "good.yaml"), write(WRONG, "wrong.yaml")
    output = run("check", good, wrong, "--quiet").stdout
    assert "wrong bias gradient" in output and "BP3" not in output


def test_missing_path(run):
    result = run("check", "no/such/file.yaml")
    assert result.returncode == 2 and "no/such/file.yaml: no such file or folder" in result.stdout


def test_seed_option_reproduces(run, write):
    path = write(WRONG)
    first = json.loads(run("check", path, "--json", "--seed", "5").stdout)
    again = json.loads(run("check", path, "--json", "--seed", "5").stdout)
    other = json.loads(run("check", path, "--json", "--seed", "6").stdout)
    point = lambda d: d["files"][0]["claims"][0]["counterexamples"][0]["point"]  # noqa: E731
    assert point(first) == point(again) != point(other)


def test_bad_option_values(run, write):
    result = run("check", write(GOOD), "--timeout", "-1")
    assert result.returncode == 2 and "expected a number of seconds above 0 and at most 86,400" in result.stderr


@pytest.mark.parametrize("option, value, message", [
    ("--seed", "-1", "expected a whole number from 0 to"),
    ("--timeout", "inf", "expected a number of seconds above 0"),
    ("--file-timeout", "nan", "expected a number of seconds above 0"),
    ("--points", "0", "expected a whole number from 1 to 10,000"),
    ("--jobs", "100000", "expected a whole number from 1 to 256"),
    ("--limit", "memory_mb=" + "9" * 30, "needs a whole number from 1 to 1,000,000,000,000"),
])
def test_option_values_are_validated_in_one_line(capsys, option, value, message):
    with pytest.raises(SystemExit) as stopped:
        build_parser().parse_args(["check", "x.yaml", option, value])
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert stopped.value.code == 2 and message in error


def test_grad_text_and_latex(run, write):
    path = write(network_file("- claim: C = C", "sizes: [1, 1]\nbias: false"))
    text = run("grad", path)
    assert text.returncode == 0
    assert text.stdout == ("dC/dz[1][1] = a[1][1]*(1 - a[1][1])*(a[1][1] - y[1])\n"
                           "dC/dw[1][1,1] = x[1]*dC/dz[1][1]\n")
    assert run("grad", path, "--expanded").stdout == "dC/dw[1][1,1] = a[1][1]*x[1]*(1 - a[1][1])*(a[1][1] - y[1])\n"
    latex = run("grad", path, "--param", "w[1]", "--latex", "--expanded")
    assert latex.stdout == (r"\frac{\partial C}{\partial w^{(1)}_{11}} = a^{(1)}_{1} x_{1} \left(1 - a^{(1)}_{1}\right)"
                            r" \left(a^{(1)}_{1} - y_{1}\right)" "\n")


def test_grad_uses_the_files_lets(run):
    result = run("grad", "derivations/format_example_bp1_bp4.yaml", "--param", "w[2][1,3]")
    assert result.stdout == "dC/dw[2][1,3] = a[1][3]*delta[2][1]\n"


def test_grad_in_the_files_notation(run):
    result = run("grad", "derivations/seed003_generic_f_batch.yaml", "--param", "W[3][1,2]", "--expanded")
    assert result.stdout.startswith("dL0/dW[3][1,2] = h[2][1,1]*")
    assert "f'(hhat[3][2,1])" in result.stdout
    compact = run("grad", "derivations/seed003_generic_f_batch.yaml", "--param", "W[3][1,2]").stdout
    assert "dL0/dW[3][1,2] = h[2][1,1]*dL0/dhhat[3][2,1] + h[2][1,2]*dL0/dhhat[3][2,2]" in compact


def test_grad_rejects_a_non_parameter(run, write):
    result = run("grad", write(GOOD), "--param", "z[1][1]")
    assert result.returncode == 2 and "is not a weight or a bias" in result.stderr


@pytest.mark.parametrize("command", ["check", "report", "grad"])
def test_every_command_has_help_with_an_example(run, command):
    result = run(command, "--help")
    assert result.returncode == 0 and "examples:" in result.stdout and f"derivcheck {command} " in result.stdout


def test_main_help_lists_the_commands(run):
    output = run("--help").stdout
    assert "check" in output and "report" in output and "grad" in output


def test_the_readme_main_job_exits_0(run):
    result = run("check", "derivations", "--quiet")
    assert result.returncode == 0, result.stdout[-2000:]


def test_jobs_junit_and_json_agree(run, write, tmp_path):
    write(GOOD, "a.yaml")
    write(WRONG, "b.yaml")
    write(BROKEN, "c.yaml")
    junit = tmp_path / "out" / "results.xml"
    junit.parent.mkdir()
    result = run("check", str(tmp_path), "--jobs", "2", "--json", "--junit", str(junit))
    document = json.loads(result.stdout)
    assert result.returncode == 2 and document["status"] == 2
    assert [f["path"].rsplit("/", 1)[1] for f in document["files"]] == ["a.yaml", "b.yaml", "c.yaml"]
    root = ET.parse(junit).getroot()
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("3", "1", "1")


def test_junit_to_an_unwritable_place_is_one_line(run, write, tmp_path):
    result = run("check", write(GOOD), "--junit", str(tmp_path / "no" / "such" / "dir" / "r.xml"))
    assert result.returncode == 2 and "derivcheck: cannot write" in result.stderr
    assert "Traceback" not in result.stderr


def test_limits_are_listed_and_can_be_raised(run, write):
    assert "parameters        weights and biases of a network (5,000)" in run("check", "--help").stdout
    path = write(network_file("- claim: dC/db[1][j] = dC/dz[1][j]", "sizes: [80, 80]"))
    refused = run("check", path)
    assert refused.returncode == 2
    assert "network too large (6,480 weights and biases) (limit parameters = 5,000; --limit parameters=N" \
        in refused.stdout
    allowed = run("check", path, "--limit", "parameters=7000", "--no-proof")
    assert allowed.returncode == 0, allowed.stdout


@pytest.mark.parametrize("setting, message", [("parametres=9", "unknown limit 'parametres'"),
                                              ("parameters=lots", "needs a whole number from 1 to 1,000,000,000,000, not 'lots'"),
                                              ("parameters", "needs a whole number from 1 to 1,000,000,000,000, not ''")])
def test_bad_limit_settings(run, write, setting, message):
    result = run("check", write(GOOD), "--limit", setting)
    assert result.returncode == 2 and message in result.stderr


def test_a_progress_bar_on_a_terminal_only(write, monkeypatch, capsys):
    paths = [write(GOOD, "a.yaml"), write(GOOD, "b.yaml")]

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    for stream, expected in ((Terminal(), True), (io.StringIO(), False)):
        monkeypatch.setattr(sys, "stderr", stream)
        assert main(["check", *paths]) == 0
        assert ("checking" in stream.getvalue() and "2/2" in stream.getvalue()) is expected
    assert "2 files, 2 claims: 2 proved" in capsys.readouterr().out


def _children(pid: int) -> set[int]:
    with open(f"/proc/{pid}/task/{pid}/children") as handle:
        return {int(child) for child in handle.read().split()}


def _gone(pid: int, seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
            with open(f"/proc/{pid}/stat") as handle:
                if handle.read().split(") ")[-1].startswith("Z"):  # a zombie has ended
                    return True
        except (ProcessLookupError, FileNotFoundError):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads children from /proc")
@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGKILL])
def test_workers_end_with_the_supervisor(run, write, stop):
    path = write("symbols: [x]\nlet:\n  h0(u): u\n" + "".join(f"  h{i}(u): h{i-1}(u + 1) + h{i-1}(2*u)\n"
                                                           for i in range(1, 30)) + "claims:\n  - claim: h29(x) = 0\n")
    process = subprocess.Popen(console_script() + ["check", path, "--timeout", "60", "--limit", "build_terms=1000000000"], stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while not _children(process.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    workers = _children(process.pid)
    assert workers
    time.sleep(0.3)
    process.send_signal(stop)
    _, stderr = process.communicate(timeout=30)
    if stop == signal.SIGTERM:
        assert process.returncode == 130 and stderr.strip() == "derivcheck: interrupted"
    assert all(_gone(worker) for worker in workers)


def test_grad_is_bounded_like_check(run, write):
    path = write(network_file("- claim: C = C", "sizes: [2, 3, 2]"))
    slow = run("grad", path, "--timeout", "0.0001")
    assert slow.returncode == 2 and slow.stderr.strip().startswith("derivcheck: dC/dw[")
    assert "took longer than 0.0001 s to compute (--timeout raises it)" in slow.stderr
    stopped = run("grad", path, "--file-timeout", "0.001")
    assert stopped.returncode == 2
    assert stopped.stderr.strip() == "derivcheck: stopped: no answer within 0.001 s (--file-timeout raises it)"
    sizes = ", ".join(["2"] * 33)
    deep = run("grad", write(f"network:\n  sizes: [{sizes}]\nclaims: []\n", "deep.yaml"), "--param", "w[1][1,1]")
    assert deep.returncode == 0 and deep.stdout.splitlines()[-1] == "dC/dw[1][1,1] = x[1]*dC/dz[1][1]"
