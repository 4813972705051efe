"""Rendering results: a rich terminal report and JSON for machines."""

from __future__ import annotations

import json
from collections import Counter

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from .results import ClaimResult, Counterexample, FileResult, Verdict

JSON_SCHEMA_VERSION = 1
STYLES = {Verdict.PROVED: "bold green", Verdict.HOLDS: "green", Verdict.FALSE: "bold red", Verdict.ERROR: "bold magenta"}


def verdict_text(claim: ClaimResult) -> Text:
    word = claim.verdict.value
    if claim.verdict is Verdict.ERROR:
        return Text("error", style=STYLES[claim.verdict])
    if claim.expect == "false":
        if claim.verdict is Verdict.FALSE:
            return Text("false (expected)", style="yellow")
        return Text(f"{word} ✗ expected false", style="bold red")
    if claim.verdict is Verdict.FALSE:
        return Text("false ✗", style=STYLES[claim.verdict])
    return Text(word, style=STYLES[claim.verdict])


def _number(value: float | None) -> str:
    return "—" if value is None else f"{value:.10g}"


def counterexample_lines(example: Counterexample) -> list[str]:
    if example.reason is not None:
        return [f"at {example.instance_text()}: {example.reason}"]
    point = ", ".join(f"{name}={value:.6g}" if isinstance(value, float) else f"{name}: {value}"
                      for name, value in example.point.items())
    return [f"at {example.instance_text()}: left side = {_number(example.lhs)}, right side = {_number(example.rhs)}",
            f"  point: {point}"]


class FileReport:
    """The terminal rendering of one file's results."""

    def __init__(self, result: FileResult, quiet: bool = False):
        self.result = result
        self.quiet = quiet

    def __rich_console__(self, console, options):
        result = self.result
        if result.error:
            yield Text.assemble(("✗ ", "bold magenta"), (result.error, ""))
            return
        shown = [c for c in result.claims if not (self.quiet and c.ok)]
        if self.quiet and not shown:
            return
        yield Text.assemble((result.path, "bold"), ("  " + result.title if result.title != result.path else "", "dim"))
        table = Table(show_edge=False, pad_edge=False, expand=False)
        table.add_column("#", justify="right", style="dim")
        table.add_column("claim", overflow="fold")
        table.add_column("instances", justify="right")
        table.add_column("verdict")
        table.add_column("time", justify="right", style="dim")
        for claim in shown:
            label = Text(claim.name, style="bold") if not claim.name.startswith("claim ") else Text("")
            description = Text.assemble(label, ("\n" if label.plain else "", ""), (claim.text, ""))
            count = f"{claim.proved}/{claim.instances} proved" if claim.verdict is Verdict.HOLDS and claim.proved \
                else (f"{claim.failed}/{claim.instances} false" if claim.failed else str(claim.instances or ""))
            table.add_row(str(claim.number), description, count, verdict_text(claim), f"{claim.seconds:.2f}s")
        yield table
        details = []
        for claim in shown:
            lines = self.details(claim)
            if lines:
                details.append(Text(f"  #{claim.number} {claim.name}", style="bold"))
                details.extend(Text("    " + line) for line in lines)
        if details:
            yield Group(*details)
        yield Text("")

    def details(self, claim: ClaimResult) -> list[str]:
        lines: list[str] = []
        if claim.error:
            lines.append(claim.error)
        if claim.verdict is Verdict.FALSE and (not self.quiet or not claim.ok):
            for example in claim.counterexamples:
                lines.extend(counterexample_lines(example))
            if claim.failed > len(claim.counterexamples):
                lines.append(f"… {claim.failed - len(claim.counterexamples)} more false instances")
        lines.extend(f"note: {note}" for note in claim.notes)
        return lines


def summary_line(results: list[FileResult], seconds: float) -> Text:
    claims = [c for r in results for c in r.claims]
    counts = Counter(c.verdict for c in claims)
    unexpected = sum(1 for c in claims if not c.ok and c.verdict is not Verdict.ERROR)
    errors = sum(1 for r in results if r.error) + counts[Verdict.ERROR]
    parts = [f"{len(results)} file{'s' * (len(results) != 1)}, {len(claims)} claims:",
             f"{counts[Verdict.PROVED]} proved, {counts[Verdict.HOLDS]} hold, {counts[Verdict.FALSE]} false"]
    style = "bold green" if not unexpected and not errors else "bold red"
    tail = f"; {unexpected} not as expected, {errors} error{'s' * (errors != 1)} in {seconds:.1f}s"
    return Text(" ".join(parts) + tail, style=style)


def render(results: list[FileResult], console: Console, quiet: bool, seconds: float) -> None:
    for result in results:
        console.print(FileReport(result, quiet))
    console.print(summary_line(results, seconds))


def to_json(results: list[FileResult], seconds: float) -> str:
    claims = [c for r in results for c in r.claims]
    counts = Counter(c.verdict.value for c in claims)
    document = {
        "schema": JSON_SCHEMA_VERSION,
        "status": max((r.status for r in results), default=0),
        "seconds": round(seconds, 4),
        "summary": {"files": len(results), "claims": len(claims),
                    **{v.value: counts.get(v.value, 0) for v in Verdict},
                    "unexpected": sum(1 for c in claims if not c.ok)},
        "files": [r.to_dict() for r in results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)

