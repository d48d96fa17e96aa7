"""Writing a run's reports: each requested format to its file (atomically) or to stdout.

`--format` may repeat, and names its file itself: `--format sarif=gates.sarif`. A plain
`--format F` goes to stdout (at most one may). The older `--output FILE` still pairs with the
`--format` in the same position, but only when that cannot be misread (every format has its
`--output`): `--format github --format sarif --output X` once wrote annotations into the SARIF
file, so a mix of paired and unpaired formats is refused (exit 2) with the `F=PATH` fix. Files are written only after the run has finished, so an interrupted run leaves none.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from gates.atomic import write_text_atomic
from gates.errors import InvalidInput
from gates.model import RunResult

if TYPE_CHECKING:
    from gates.report.evidence import Context, Subject

FORMATS = ("text", "json", "sarif", "junit", "github", "gitlab-sast", "gitlab-secrets", "codequality")  # fmt: skip


def add_output_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--format",
        dest="formats",
        action="append",
        metavar="FORMAT[=FILE]",
        help=f"report format, repeatable, optionally with its file: {', '.join(FORMATS)} "
        "(default: text to stdout); e.g. --format sarif=gates.sarif --format text",
    )
    parser.add_argument(
        "--output",
        dest="outputs",
        action="append",
        metavar="FILE",
        help="older form: the file of the --format in the same position (prefer FORMAT=FILE)",
    )
    parser.add_argument(
        "--evidence", metavar="FILE", help="also write an in-toto evidence statement"
    )
    parser.add_argument(
        "--sign-key",
        metavar="KEY",
        help="sign the --evidence statement with this SSH key (ssh-keygen -Y sign), writing "
        "the DSSE envelope beside it as FILE.dsse.json",
    )


def plan_outputs(
    formats: Sequence[str] | None, outputs: Sequence[str] | None
) -> list[tuple[str, str | None]]:
    """(format, file or None for stdout) pairs; InvalidInput (exit 2) for anything ambiguous."""
    pairs = [_split(f) for f in (formats or ["text"])]
    outs = list(outputs or [])
    if outs:
        if any(target is not None for _, target in pairs):
            raise InvalidInput(
                "--output", outs[0], "mixed with --format FORMAT=FILE", "use FORMAT=FILE only"
            )
        if len(outs) != len(pairs):
            raise InvalidInput(
                "--output",
                ",".join(outs),
                f"{len(outs)} --output for {len(pairs)} --format: which file gets which report "
                "is ambiguous",
                "name each file with its format: --format sarif=gates.sarif --format github",
            )
        pairs = [(fmt, out) for (fmt, _), out in zip(pairs, outs, strict=True)]
    if sum(1 for _, o in pairs if o is None) > 1:
        raise InvalidInput(
            "--format",
            ",".join(f for f, _ in pairs),
            "only one format can go to stdout",
            "give the others a file: --format sarif=gates.sarif",
        )
    return pairs


def _split(spec: str) -> tuple[str, str | None]:
    fmt, sep, target = spec.partition("=")
    if fmt not in FORMATS:
        raise InvalidInput(
            "--format", spec, f"unknown format {fmt!r}", f"use one of: {', '.join(FORMATS)}"
        )
    if sep and not target:
        raise InvalidInput("--format", spec, "no file after '='", f"write {fmt}=PATH")
    return fmt, (target or None)


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
    attest: tuple[Sequence[Subject], Context] | None = None,
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
            (target, report.render_view(result, report.Format(fmt), color=color and target is None))
        )
    if evidence:
        from gates.report import evidence as evidence_mod

        if attest is not None:
            subjects, context = attest
            rendered.append((evidence, evidence_mod.render(result, subjects, context)))
        elif release_commit is None:
            raise InvalidInput(
                "--evidence",
                evidence,
                "evidence needs a git commit to bind to",
                "run inside a git repository with a commit",
            )
        else:  # a saved report: the commit is all we know of what was scanned
            subjects = [evidence_mod.git_commit("release", release_commit)]
            context = evidence_mod.Context(scope="unknown: made from a saved JSON report")
            rendered.append((evidence, evidence_mod.render(result, subjects, context)))
    for target, raw in rendered:
        text = masker.text(raw)
        if target is None:
            out.write(text)
        else:
            write_text_atomic(Path(target), text)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary and any(fmt == "github" for fmt, _ in pairs):
        from gates.report.github import blob_url

        append_step_summary(
            Path(summary), report.step_summary(result, blob_url=blob_url(os.environ))
        )


def signed_path(evidence: str) -> Path:
    """Where the envelope of `evidence` goes: `x.json` -> `x.dsse.json`, else `x.dsse.json`."""
    path = Path(evidence)
    stem = path.name[: -len(".json")] if path.name.endswith(".json") else path.name
    return path.with_name(f"{stem}.dsse.json")


def sign_evidence(evidence: str, key: str, cwd: Path) -> Path:
    """Sign a written evidence statement into its DSSE envelope beside it."""
    from gates.attest import sign
    from gates.report import jsontext

    source = Path(evidence)
    envelope = sign.sign(source.read_bytes(), evidence, key, cwd)
    target = signed_path(evidence)
    write_text_atomic(target, jsontext.dumps(envelope.to_json(), pretty=True))
    return target
