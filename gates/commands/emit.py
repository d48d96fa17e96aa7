"""Writing a run's reports: each requested format to its file (atomically) or to stdout.

`--format` may repeat; the i-th `--output` belongs to the i-th `--format`. At most one format goes
to stdout. Files are written only after the run has finished, so an interrupted run leaves none.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from gates.atomic import write_text_atomic
from gates.errors import InvalidInput
from gates.model import RunResult

FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab-sast", "gitlab-secrets", "codequality")  # fmt: skip


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        choices=FORMATS,
        metavar="FORMAT",
        help=f"report format, repeatable: {', '.join(FORMATS)} (default: text)",
    )
    parser.add_argument(
        "--output",
        dest="outputs",
        action="append",
        metavar="FILE",
        help="write the matching --format to FILE instead of stdout (repeatable, in order)",
    )
    parser.add_argument(
        "--evidence", metavar="FILE", help="also write an in-toto evidence statement"
    )


def plan_outputs(
    formats: Sequence[str] | None, outputs: Sequence[str] | None
) -> list[tuple[str, str | None]]:
    fmts = list(formats or ["text"])
    outs = list(outputs or [])
    if len(outs) > len(fmts):
        raise InvalidInput(
            "--output",
            outs[len(fmts)],
            "more --output files than --format options",
            "add a --format for each --output",
        )
    pairs: list[tuple[str, str | None]] = [
        (f, outs[i] if i < len(outs) else None) for i, f in enumerate(fmts)
    ]
    if sum(1 for _, o in pairs if o is None) > 1:
        raise InvalidInput(
            "--format",
            ",".join(fmts),
            "only one format can go to stdout",
            "give an --output for the others",
        )
    return pairs


def append_step_summary(path: Path, markdown: str) -> None:
    """GitHub's summary file is shared by every step of a job: append, ending in a newline."""
    if not markdown.endswith("\n"):
        markdown += "\n"
    with path.open("a", encoding="utf-8", newline="\n") as fh:
        fh.write(markdown)


def emit(
    result: RunResult,
    pairs: Sequence[tuple[str, str | None]],
    out: TextIO,
    *,
    evidence: str | None = None,
    release_commit: str | None = None,
    scanned: str | None = None,
) -> None:
    """Render everything first, then write: a rendering error leaves no file behind. Every
    renderer gets the masked view of the run, and every string written passes the masker."""
    from gates import log, redact, report

    masker, result = redact.masked_view(result)
    log.learn(masker)
    color = out.isatty() and not os.environ.get("NO_COLOR")
    rendered: list[tuple[str | None, str]] = []
    for fmt, target in pairs:
        rendered.append(
            (target, report.render(result, report.Format(fmt), color=color and target is None))
        )
    if evidence:
        from gates.report import evidence as evidence_mod

        if release_commit is None:
            raise InvalidInput(
                "--evidence",
                evidence,
                "evidence needs a git commit to bind to",
                "run inside a git repository with a commit",
            )
        subjects = [evidence_mod.git_commit("release", release_commit)]
        if scanned is not None:  # what the gates read: the working tree may differ from HEAD
            subjects.append(
                evidence_mod.Subject(name="scanned-files", digest=(("sha256", scanned),))
            )
        rendered.append((evidence, evidence_mod.render(result, subjects)))
    for target, raw in rendered:
        text = masker.text(raw)
        if target is None:
            out.write(text)
        else:
            write_text_atomic(Path(target), text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and any(fmt == "github" for fmt, _ in pairs):
        append_step_summary(Path(summary), report.step_summary(result))
