"""Rendering results for people: a rich terminal report."""

from __future__ import annotations

from collections import Counter

from rich.table import Table
from rich.text import Text

from .results import ClaimResult, Counterexample, FileResult, Verdict
from .source import one_line, visible

MAX_ROWS = 200  # claims shown per file; beyond, those not as expected first, the rest counted (all in --json)
STYLES = {Verdict.PROVED: "bold green", Verdict.HOLDS: "green", Verdict.FALSE: "bold red", Verdict.ERROR: "bold magenta",
          Verdict.SKIPPED: "dim"}


def verdict_text(claim: ClaimResult) -> Text:
    word = claim.verdict.value
    if claim.verdict in (Verdict.ERROR, Verdict.SKIPPED):
        return Text(word, style=STYLES[claim.verdict])
    if claim.expect == "false":
        if claim.verdict is Verdict.FALSE:
            return Text("false (expected)", style="yellow")
        return Text(f"{word} ✗ expected false", style="bold red")
    if claim.verdict is Verdict.FALSE:
        return Text("false ✗", style=STYLES[claim.verdict])
    return Text(word, style=STYLES[claim.verdict])


def counterexample_lines(example: Counterexample, with_point: bool = True) -> list[str]:
    where = f"at {example.instance_text()}: " if example.instance else ""
    if example.reason is not None:
        return [where + example.reason]
    lines = [f"{where}left side = {example.value_text('lhs')}, right side = {example.value_text('rhs')}"]
    if with_point:
        point = ", ".join(f"{name}={value:.6g}" if isinstance(value, float) else
                          (value if name == "…" else f"{name} = {value}") for name, value in example.point.items())
        lines.append(f"  where {point}")
    return lines


class FileReport:
    """The terminal rendering of one file's results: a table, then one line per detail.

    Printed with ``soft_wrap=True`` (see ``render``) so that no message is folded or cropped:
    every error and counterexample stays one greppable line.
    """

    def __init__(self, result: FileResult, quiet: bool = False):
        self.result = result
        self.quiet = quiet

    def __rich_console__(self, console, options):
        result = self.result
        if result.error:
            yield Text.assemble(("✗ ", "bold magenta"), (visible(result.error), ""))
            return
        shown = self.shown()
        if not shown and not result.warnings:
            return
        left_out = Counter(claim.ok for claim in self.result.claims if not (self.quiet and claim.ok)) \
            - Counter(claim.ok for claim in shown)
        title = "  " + one_line(result.title) if result.title != result.path else ""
        yield Text.assemble((one_line(result.path), "bold"), (title, "dim"))
        for warning in result.warnings:
            yield Text("warning: " + one_line(warning), style="yellow")
        yield self.table(shown)
        for ok, count in sorted(left_out.items()):
            what = "as expected" if ok else "not as expected"
            yield Text(f"… {count:,} more claim{'s' * (count != 1)} {what}, not shown (all are in --json)",
                       style="dim" if ok else "bold red")
        for claim in shown:
            lines = claim_details(claim)
            if lines:
                title = "" if claim.name == f"claim {claim.number}" else f" {one_line(claim.name)}"
                yield Text(f"  #{claim.number}{title}", style="bold")
                yield from (Text("    " + visible(line)) for line in lines)
        yield Text("")

    def shown(self) -> list[ClaimResult]:
        """The claims to show: every one (all not as expected with --quiet), at most MAX_ROWS, those
        not as expected first."""
        claims = [c for c in self.result.claims if not (self.quiet and c.ok)]
        if len(claims) <= MAX_ROWS:
            return claims
        unexpected = [c for c in claims if not c.ok][:MAX_ROWS]
        expected = [c for c in claims if c.ok][:MAX_ROWS - len(unexpected)]
        return sorted(unexpected + expected, key=lambda c: c.number)

    @staticmethod
    def table(claims: list[ClaimResult]) -> Table:
        table = Table(show_edge=False, pad_edge=False, expand=False)
        table.add_column("#", justify="right", style="dim")
        table.add_column("claim", overflow="fold")
        table.add_column("instances", justify="right")
        table.add_column("verdict")
        table.add_column("time", justify="right", style="dim")
        for claim in claims:
            label = Text(one_line(claim.name), style="bold") if not claim.name.startswith("claim ") else Text("")
            description = Text.assemble(label, ("\n" if label.plain else "", ""), (one_line(claim.text), ""))
            count = f"{claim.proved}/{claim.instances} proved" if claim.verdict is Verdict.HOLDS and claim.proved \
                else (f"{claim.failed}/{claim.instances} false" if claim.failed else str(claim.instances or ""))
            table.add_row(str(claim.number), description, count, verdict_text(claim), f"{claim.seconds:.2f}s")
        return table



def claim_report_lines(claim: ClaimResult) -> list[str]:
    """One claim's report on its own (a pytest failure): the claim, its verdict, and its details."""
    return [f"{claim.location}: {one_line(claim.text)}: {verdict_text(claim).plain}",
            *(f"  {visible(line)}" for line in claim_details(claim))]


def claim_details(claim: ClaimResult) -> list[str]:
    """What the report says of a claim under its row: the error, the steps, the diagnosis and the
    counterexamples of a false one, where a numeric `holds` was checked, the notes."""
    lines: list[str] = []
    if claim.error:
        lines.append(claim.error)
    if claim.steps:
        lines.extend(step_lines(claim))
    if claim.verdict is Verdict.FALSE:
        if not claim.steps:
            lines.extend(diagnosis_lines(claim))
        # a mistake kept on purpose shows one failing instance; an unexpected one shows where
        shown = claim.counterexamples[:1] if claim.ok else claim.counterexamples
        shown_point = claim.ok
        broken = next((step.number for step in claim.steps if step.verdict is Verdict.FALSE), None)
        for example in shown:
            example_lines = counterexample_lines(example, with_point=not shown_point)
            if broken is not None:  # a derivation's counterexamples are those of its first broken step
                example_lines[0] = f"step {broken} " + example_lines[0]
            lines.extend(example_lines)
            shown_point |= example.reason is None
        if claim.failed > len(shown):
            lines.append(f"… {claim.failed - len(shown)} more false instance{'s' * (claim.failed - len(shown) > 1)}")
    if claim.verdict is Verdict.HOLDS and claim.region:
        lines.append(f"checked at: {claim.region}")
    lines.extend(f"note: {note}" for note in claim.notes)
    return lines


def diagnosis_lines(claim: ClaimResult) -> list[str]:
    """Why a false claim is false and, when an edit explains it, the claim made right."""
    if claim.diagnosis is None:
        return []
    lines = [f"why: {claim.diagnosis.message}"]
    if claim.diagnosis.corrected:
        lines.append(f"right: {claim.diagnosis.corrected}")
    if claim.diagnosis.corrected_latex:
        lines.append(f"right, in LaTeX: ${claim.diagnosis.corrected_latex}$")
    if claim.diagnosis.truth:
        lines.append(f"truth: {claim.diagnosis.truth}")
    return lines


def step_lines(claim: ClaimResult) -> list[str]:
    """A derivation step by step: each step's verdict against the one before, the first broken one
    explained, and a later step that is right again."""
    lines = []
    for step in claim.steps:
        if step.right_again:
            word = "right again (equals step 1)"
        elif step.verdict is Verdict.FALSE:
            word = "✗ false"
        else:
            word = step.verdict.value
        lines.append(f"step {step.number} {word}: = {step.text}")
        if step.error:
            lines.append(f"  {step.error}")
        if step.diagnosis is not None:
            lines.append(f"  why: {step.diagnosis.message}")
            if step.diagnosis.corrected:
                lines.append(f"  right: = {step.diagnosis.corrected}")
    return lines


def summary_line(results: list[FileResult], seconds: float) -> Text:
    claims = [c for r in results for c in r.claims]
    counts = Counter(c.verdict for c in claims)
    unexpected = sum(1 for c in claims if not c.ok and c.verdict is not Verdict.ERROR)
    errors = sum(1 for r in results if r.error) + counts[Verdict.ERROR]
    parts = [f"{len(results)} file{'s' * (len(results) != 1)}, {len(claims)} claim{'s' * (len(claims) != 1)}:",
             f"{counts[Verdict.PROVED]} proved, {counts[Verdict.HOLDS]} hold, {counts[Verdict.FALSE]} false"
             + (f", {counts[Verdict.SKIPPED]} skipped" if counts[Verdict.SKIPPED] else "")]
    style = "bold green" if not unexpected and not errors else "bold red"
    tail = f"; {unexpected} not as expected, {errors} error{'s' * (errors != 1)} in {seconds:.1f}s"
    return Text(" ".join(parts) + tail, style=style)


class RunReport:
    """Every file's report and the summary line. Print it with ``soft_wrap=True``."""

    def __init__(self, results: list[FileResult], quiet: bool, seconds: float):
        self.results = results
        self.quiet = quiet
        self.seconds = seconds

    def __rich_console__(self, console, options):
        for result in self.results:
            yield FileReport(result, self.quiet)
        yield summary_line(self.results, self.seconds)


def changes_since(before: FileResult | None, after: FileResult) -> list[str]:
    """What changed in a file's results since the last check (``check --watch``): each claim whose verdict
    changed, claims added or removed, the file's error."""
    if before is None:
        return []
    if before.error or after.error:
        return [] if before.error == after.error else [f"{visible(after.path)}: " + (
            "now readable" if not after.error else "now unreadable")]
    lines = []
    old = {claim.number: claim for claim in before.claims}
    for claim in after.claims:
        was = old.pop(claim.number, None)
        if was is None:
            lines.append(f"#{claim.number} {one_line(claim.name)}: new, {verdict_text(claim).plain}")
        elif (was.verdict, was.text) != (claim.verdict, claim.text):
            lines.append(f"#{claim.number} {one_line(claim.name)}: {verdict_text(was).plain} → "
                         f"{verdict_text(claim).plain}")
    lines.extend(f"#{number} {one_line(claim.name)}: removed" for number, claim in old.items())
    return lines
