"""`derivcheck check --watch`: a check on every save, in a warm process, saying what changed."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import threading
import time

import pytest

from conftest import console_script

FILE = "symbols: [x]\nclaims:\n  - claim: d(x^2)/d(x) = 2*x\n  - claim: d(x^3)/d(x) = 3*x^2\n"


class Watch:
    """The watching process, its output read line by line."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen(console_script() + ["check", "--watch", *args], stdout=subprocess.PIPE,
                                        stderr=subprocess.STDOUT, text=True, env=dict(os.environ, COLUMNS="200"))
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=lambda: [self.lines.put(line) for line in self.process.stdout], daemon=True).start()

    def until(self, text: str, seconds: float = 60) -> list[str]:
        seen, deadline = [], time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                seen.append(self.lines.get(timeout=0.2))
            except queue.Empty:
                continue
            if text in seen[-1]:
                return seen
        raise AssertionError(f"{text!r} not printed within {seconds} s; printed: {''.join(seen)}")


@pytest.mark.console
def test_watch_checks_again_on_save_and_says_what_changed(tmp_path):
    path = tmp_path / "hw.yaml"
    path.write_text(FILE, encoding="utf-8")
    watch = Watch("--quiet", str(path))
    try:
        watch.until("2 claims: 2 proved")
        path.write_text(FILE.replace("3*x^2", "2*x^2"), encoding="utf-8")
        printed = watch.until("changed since the last check")
        assert any("why: off by a constant factor" in line for line in printed)
        assert printed[-1].strip() == "changed since the last check: #2 claim 2: proved → false ✗"
        path.write_text(FILE + "  - claim: d(x)/d(x) = 1\n", encoding="utf-8")
        printed = [line.strip() for line in watch.until("#3 claim 3: new, proved")]
        assert "changed since the last check: #2 claim 2: false ✗ → proved" in printed
        path.unlink()
        watch.until("no such file or folder")
    finally:
        watch.process.send_signal(signal.SIGINT)
        assert watch.process.wait(30) == 0


def test_watch_writes_no_machine_outputs(run, tmp_path):
    done = run("check", "--watch", "--json", str(tmp_path))
    assert done.returncode == 2 and "--watch shows the terminal's report" in done.stderr
