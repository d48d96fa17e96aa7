"""Path globs as policies write them: a set of patterns matches a path only when one pattern
matches the whole path (real CLI and git repository for the exclude that a PR could abuse)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gates.globs import GlobSet, _translate
from tests.gatekit import make_repo, run_cli

PAN = "4301661318609135"  # Luhn-valid Visa, not a published test card


def test_an_exclude_list_does_not_hide_a_file_that_only_starts_like_an_excluded_name(
    tmp_path: Path,
) -> None:
    """`exclude: ['*.md', '*.txt']` leaves docs out; it must not also leave out `notes.md.py`,
    which an author could name so to slip a card number past the gate."""
    root = make_repo(
        tmp_path / "repo",
        {
            ".release-gates/policy.yaml": "version: 1\nexclude: ['*.md', '*.txt']\n",
            "README.md": f"card {PAN}\n",
            "notes.md.py": f'CARD = "{PAN}"\n',
            "data.txt.csv": f"id,card\n1,{PAN}\n",
        },
    )
    code, out = run_cli(root, "run", "--gate", "pii", "--format", "json")
    paths = {f["location"]["path"] for f in json.loads(out)["findings"]}
    assert paths == {"notes.md.py", "data.txt.csv"}
    assert code == 1


@pytest.mark.parametrize(
    ("patterns", "path", "expected"),
    [
        (("*.md", "*.txt"), "README.md", True),
        (("*.md", "*.txt"), "docs/a/b.txt", True),
        (("*.md", "*.txt"), "README.md.py", False),
        (("*.md", "*.txt"), "a.txt.py", False),
        (("docs/", "*.md"), "docs/a/b.py", True),
        (("docs/", "*.md"), "docs_x.py", False),
        (("docs/", "*.md"), "x/docs/a.py", False),  # a pattern with a `/` is anchored at the root
        (("**/fixtures/**", "src/*.py"), "a/b/fixtures/c.json", True),
        (("**/fixtures/**", "src/*.py"), "src/app.py", True),
        (("**/fixtures/**", "src/*.py"), "src/sub/app.py", False),
        (("**/fixtures/**", "src/*.py"), "src/app.pyc", False),
        ((), "anything", False),
    ],
)
def test_a_glob_set_matches_whole_paths(
    patterns: tuple[str, ...], path: str, expected: bool
) -> None:
    assert GlobSet.of(patterns).matches(path) is expected


_PIECES = st.sampled_from(["a", "b", ".md", "*", "**", "?", "/", "**/", "[ab]", "[!a]"])
_PATTERNS = st.lists(_PIECES, min_size=1, max_size=6).map("".join)
_PATHS = st.lists(st.sampled_from(["a", "b", "ab", ".md", "a.md", "b.md.py", "x"]), min_size=1,
                  max_size=5).map("/".join)  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(_PATTERNS, min_size=1, max_size=5), _PATHS)
def test_a_set_matches_exactly_where_one_of_its_patterns_matches_alone(
    patterns: list[str], path: str
) -> None:
    alone = any(re.fullmatch(_translate(p), path) for p in patterns)
    assert GlobSet.of(patterns).matches(path) is alone
