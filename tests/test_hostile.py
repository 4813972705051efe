"""Hostile input: the corpus in tests/hostile/ and generated giants. Each is refused with one clear line,
nothing from it runs, and time and memory stay bounded."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

from conftest import ROOT, console_script
from derivcheck.results import Verdict
from derivcheck.runner import check_files
from derivcheck.checkers import check_file
from derivcheck.options import Options

CORPUS = sorted((ROOT / "tests" / "hostile").glob("*.yaml"))
PAYLOAD_MODULES = ("this", "antigravity", "webbrowser")  # what the corpus tries to import


def messages(result) -> list[str]:
    return [result.error] if result.error else [claim.error for claim in result.claims]


def assert_refused_in_one_line(path: str, result) -> None:
    assert result.error or all(claim.verdict is Verdict.ERROR for claim in result.claims), path
    for message in messages(result):
        assert re.match(re.escape(path) + r":\d+:\d+: \S", message), message
        assert "\n" not in message and "Traceback" not in message


def test_the_corpus_covers_the_attacks():
    assert len(CORPUS) >= 20
    for path in CORPUS:
        assert path.read_text(encoding="utf-8").startswith("# "), f"{path.name}: say what it attacks"


# files whose (legal) model takes about half a second to build: on a loaded machine, more than 1 s
LARGE_MODELS = {"too_many_instances"}


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.stem)
def test_each_hostile_file_is_refused_with_clear_lines(path):
    result = check_file(str(path), Options(timeout=3 if path.stem in LARGE_MODELS else 1))
    assert_refused_in_one_line(str(path), result)


GIANTS = {
    "file over a megabyte": ("source_bytes", "title: x\n" + "# padding\n" * 120_000 + "claims: []\n"),
    "expression of 100,000 characters": ("expression_chars", "symbols: [x]\nclaims:\n  - claim: x = "
                                         + "x + " * 25_000 + "x\n"),
    "parentheses nested 2,000 deep": ("expression_depth", "symbols: [x]\nclaims:\n  - claim: x = "
                                      + "(" * 2_000 + "x" + ")" * 2_000 + "\n"),
    "expression nested 150 deep": ("expression_depth", "symbols: [x]\nclaims:\n  - claim: x = "
                                   + "-" * 150 + "x\n"),
    "sum of 2,000 terms": ("expression_depth", "symbols: [x]\nclaims:\n  - claim: x = " + "+".join(["x"] * 2000) + "\n"),
    "YAML nested 10,000 deep": (None, "claims: " + "[" * 10_000 + "]" * 10_000 + "\n"),
    "YAML list of 300,000 values": ("yaml_nodes", "data: {d: [" + "1," * 300_000 + "1]}\nclaims: []\n"),
}


@pytest.mark.parametrize("name", GIANTS)
def test_giants_are_refused_quickly(name, tmp_path):
    limit, text = GIANTS[name]
    path = tmp_path / "giant.yaml"
    path.write_text(text, encoding="utf-8")
    result = check_file(str(path), Options(timeout=1))
    assert_refused_in_one_line(str(path), result)
    if limit:
        assert f"(limit {limit} = " in " ".join(messages(result))
    assert result.seconds < 10


PROBE = textwrap.dedent("""
    import json, os, sys
    events = []
    WATCHED = ("exec", "os.system", "subprocess.Popen", "os.exec", "os.posix_spawn", "os.spawn",
               "socket.connect", "ctypes.dlopen", "import", "open", "os.remove", "os.rename", "shutil.rmtree")

    def hook(event, args):
        if not event.startswith(WATCHED):
            return
        if event == "exec":  # a module being imported is fine; code from a string is not
            name = getattr(args[0], "co_filename", "")
            if name.endswith(".py") or name.startswith("<frozen"):
                return
        if event == "import" and args[0].split(".")[0] not in {payload}:
            return
        if event == "open" and (not isinstance(args[1], str) or not set(args[1]) & set("wax+")):
            return
        events.append([event, repr(args)[:200]])

    from derivcheck.runner import check_files
    from derivcheck.checkers import check_file
    from derivcheck.options import Options
    check_file({warm_up!r})  # imports done before watching
    sys.addaudithook(hook)
    paths = sys.argv[1:]
    for path in paths:
        check_file(path, Options(timeout=1))
    check_files(paths, Options(timeout=1), jobs=2)
    {control}
    print(json.dumps(events))
""")


def probe_events(tmp_path, control: str = "") -> list:
    probe = PROBE.format(payload=PAYLOAD_MODULES, warm_up=str(ROOT / "derivations" / "format_example_bp1_bp4.yaml"),
                         control=control)
    completed = subprocess.run([sys.executable, "-c", probe, *map(str, CORPUS)], capture_output=True, text=True,
                               cwd=tmp_path, timeout=300)
    assert completed.returncode == 0, completed.stderr[-2000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_nothing_from_any_input_runs(tmp_path):
    assert probe_events(tmp_path) == []
    assert list(tmp_path.iterdir()) == []  # no file written ("touch pwned")


def test_the_probe_sees_code_that_runs(tmp_path):
    events = probe_events(tmp_path, control="eval(compile('1 + 1', '<input>', 'eval')); open('pwned', 'w').close()")
    assert [event for event, _ in events] == ["exec", "open"]


def test_the_whole_corpus_through_the_command_line_stays_small(tmp_path):
    measure = ("import resource, subprocess, sys; subprocess.run(sys.argv[1:], capture_output=True); "
               "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")
    command = [*console_script(), "check", str(ROOT / "tests" / "hostile"), "--jobs", "2", "--json"]
    completed = subprocess.run([sys.executable, "-c", measure, *command], capture_output=True, text=True,
                               cwd=tmp_path, timeout=300)
    peak_kib = int(completed.stdout.strip())
    assert peak_kib < 1024 * 1024, f"{peak_kib / 1024:.0f} MiB"


# What the user must see for each small file that once cost minutes or crashed: (file, claim, message).
SEEN = [
    ("small_but_costly", 1, "number 1e-99999999 is too large or too small to hold exactly (limit number_bits"),
    ("small_but_costly", 2, "number too large (limit number_bits"),
    ("small_but_costly", 4, "too many primes on 'sigmoid' (300) (limit derivative_order"),
    ("small_but_costly", 5, "not checked: its numeric checks took longer than 3 s (--timeout raises it)"),
    ("small_but_costly", 6, "too many terms to build (210,000: sums side by side"),
    ("small_but_costly", 7, "sum too long (100,000 terms) (limit sum_terms"),
    ("costly_network", 0, "forward pass too large (4,160 weights and biases × 256 samples) (limit forward_terms"),
    ("costly_claims", 1, "exponent 1000000 is too large (limit exponent"),
    ("costly_claims", 2, "too many index instances (limit instances"),
    ("costly_loss", 0, "the loss sums too many terms (1,000,000: 10 outputs for each of the free indices"),
    ("costly_data", 0, "number 1e-99999999 is too large or too small to hold exactly"),
    ("deep_definitions", 1, "definitions nested too deeply (more than 100 inside one another at 'e159') "
                            "(limit let_depth = 100"),
    ("number_forms", 1, "number 0x10 is not a decimal number (write numbers in decimal"),
    ("number_forms", 4, "is not a decimal number"),
    ("lookalike_names", 0, "'ｘ' is already defined ('ｘ' is read as 'x', as in expressions)"),
    ("xml_forbidden", 0, "character U+FFFE is not allowed"),
    ("undefined_at_a_point", 1, "could not be evaluated at any sample point"),
    ("undefined_at_a_point", 2, "could not be evaluated at any sample point"),
    ("forward_huge_dims", 0, "dim N is too large (100,000) (limit dim_size = 1,000"),
    ("forward_dims_defined_by_dims", 0, "dim M must be a whole number ≥ 1, not 'N + 1'"),
    ("forward_big_tensor", 0, "X has too many entries (1,000,000) (limit tensor_elements = 10,000"),
    ("forward_many_instances", 0, "forward_many_instances.yaml:8:3: too many instances of forward definitions "
                                  "(30,000 up to here) (limit forward_instances = 20,000"),
    ("forward_many_data_values", 0, "too many data values (10,001) (limit data_values = 10,000"),
    ("forward_data_index_out_of_range", 0, "forward_data_index_out_of_range.yaml:8:13: in J, s[2,7] is out of "
                                           "range: s[n,c] has n in 1..2, c in 1..3"),
    ("forward_no_base_case", 0, "forward_no_base_case.yaml:6:60: in h[1][1], h[0][1] is out of range"),
    ("forward_unquoted_bracket", 0, "a value that starts with [ is a YAML list: put the whole value in quotes"),
]


@pytest.fixture(scope="module")
def corpus_results():
    paths = sorted({name for name, _, _ in SEEN})
    results = check_files([str(ROOT / "tests" / "hostile" / f"{name}.yaml") for name in paths], Options())
    return dict(zip(paths, results))


@pytest.mark.parametrize("name, claim, message", SEEN, ids=[f"{n}-{c}" for n, c, _ in SEEN])
def test_what_the_user_sees_for_each_costly_file(corpus_results, name, claim, message):
    result = corpus_results[name]
    seen = result.error if claim == 0 else result.claims[claim - 1].error
    assert seen is not None and message in seen, seen
