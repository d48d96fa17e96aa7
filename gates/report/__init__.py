"""Report rendering: one RunResult, any output format, deterministic bytes.

`render(result, fmt)` dispatches to one module per format (imported lazily, so a pre-commit run
that prints text never imports the XML or SARIF writers). The GitLab formats (gitlab.py,
codequality.py) take the pipeline time and commit from GitLab CI's variables, read here. `step_summary(result)` is the Markdown
the CLI writes to `$GITHUB_STEP_SUMMARY`; the evidence file has its own entry point,
`gates.report.evidence.render(result, subjects)`, because it needs to know what was gated.

Masking boundary: `render` and `step_summary` hand every writer an already-masked view of the run
(`gates.redact.masked_view`: known values and generic PAN/secret shapes masked, `sensitive.`
properties dropped) and pass the rendered text through the same masker once more.
"""

from __future__ import annotations

import os
from enum import StrEnum
from typing import TYPE_CHECKING, assert_never

if TYPE_CHECKING:
    from gates.model import RunResult


class Format(StrEnum):
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    GITHUB = "github"
    GITLAB_SAST = "gitlab-sast"
    GITLAB_SECRETS = "gitlab-secrets"
    CODEQUALITY = "codequality"

    @property
    def suffix(self) -> str:
        """File name suffix for `--output` defaults."""
        match self:
            case Format.TEXT | Format.GITHUB:
                return ".txt"
            case Format.JSON | Format.GITLAB_SAST | Format.GITLAB_SECRETS | Format.CODEQUALITY:
                return ".json"
            case Format.SARIF:
                return ".sarif"
            case Format.JUNIT:
                return ".xml"
            case _:
                assert_never(self)


def render(result: RunResult, fmt: Format, *, color: bool = False) -> str:
    """The report in `fmt`, masked. `color` (ANSI) applies to TEXT only: pass `stream.isatty()`."""
    from gates import redact

    masker, view = redact.masked_view(result)
    return masker.text(_render(view, fmt, color=color))


def render_view(view: RunResult, fmt: Format, *, color: bool = False) -> str:
    """The report in `fmt` of a view `gates.redact.masked_view` already made, not masked again:
    for a caller that renders several formats from one view and passes each text through that
    view's masker itself (the CLI). Walking the run once per format cost a pre-commit run
    tens of milliseconds."""
    return _render(view, fmt, color=color)


def _render(result: RunResult, fmt: Format, *, color: bool) -> str:
    match fmt:
        case Format.TEXT:
            from gates.report import text

            return text.render(result, color=color)
        case Format.JSON:
            from gates.report import json_report

            return json_report.render(result)
        case Format.SARIF:
            from gates.report import sarif

            return sarif.render(result)
        case Format.JUNIT:
            from gates.report import junit

            return junit.render(result)
        case Format.GITHUB:
            from gates.report import github

            return github.render(result)
        case Format.GITLAB_SAST | Format.GITLAB_SECRETS:
            from gates.report import gitlab

            kind = gitlab.Kind.SAST if fmt is Format.GITLAB_SAST else gitlab.Kind.SECRET_DETECTION
            scan_at, commit = gitlab.scan_time(os.environ), os.environ.get("CI_COMMIT_SHA")
            return gitlab.render(result, kind, scan_at=scan_at, commit=commit or gitlab.NO_COMMIT)
        case Format.CODEQUALITY:
            from gates.report import codequality

            return codequality.render(result)
        case _:
            assert_never(fmt)


def step_summary(result: RunResult, *, blob_url: str | None = None) -> str:
    """Markdown for `$GITHUB_STEP_SUMMARY`: verdict, a table of gates by severity, findings per
    gate (linked to the file at the commit when `blob_url` is given)."""
    from gates import redact
    from gates.report import github

    masker, view = redact.masked_view(result)
    return masker.text(github.step_summary(view, blob_url=blob_url))
