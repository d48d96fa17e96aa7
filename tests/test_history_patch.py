"""Parsing `git log -p --cc -U0` output (gates.history.patch): the lines each commit added."""

from __future__ import annotations

from gates.history.patch import Added, added

A = "a" * 40
B = "b" * 40


def _lines(text: str) -> list[bytes]:
    return [line.encode() for line in text.splitlines(keepends=True)]


LOG = f"""\x01commit {A}

diff --git a/app.py b/app.py
index 1111111..2222222 100644
--- a/app.py
+++ b/app.py
@@ -1,0 +2,2 @@ def f():
+KEY = "one"
+++ odd line that starts with plus signs
@@ -9 +11 @@
-old
+new
\\ No newline at end of file
diff --git a/old name.py b/new name.py
similarity index 90%
rename from old name.py
rename to new name.py
--- a/old name.py\t
+++ b/new name.py\t
@@ -3,0 +4 @@
+renamed = True
diff --git a/img.png b/img.png
new file mode 100644
index 0000000..3333333
Binary files /dev/null and b/img.png differ
diff --git a/vendor/lib b/vendor/lib
new file mode 160000
index 0000000..1234567
--- /dev/null
+++ b/vendor/lib
@@ -0,0 +1 @@
+Subproject commit 3f9a0c2e7b1d4f6a8c0e2b4d6f8a1c3e5b7d9f1a
diff --git a/vendor/lib2 b/vendor/lib2
index 1111111..2222222 160000
--- a/vendor/lib2
+++ b/vendor/lib2
@@ -1 +1 @@
-Subproject commit 1111111111111111111111111111111111111111
+Subproject commit 2222222222222222222222222222222222222222
diff --git a/gone.py b/gone.py
deleted file mode 100644
--- a/gone.py
+++ /dev/null
@@ -1 +0,0 @@
-x = 1
diff --git "a/caf\\303\\251.txt" "b/caf\\303\\251.txt"
--- "a/caf\\303\\251.txt"
+++ "b/caf\\303\\251.txt"
@@ -0,0 +1 @@
+menu
\x01commit {B}

diff --cc merged.py
index 4444444,5555555..6666666
--- a/merged.py
+++ b/merged.py
@@@ -1,1 -1,1 +1,3 @@@
- ours
 -theirs
++evil = "added by the merge"
+ from_first_parent = 1
 +from_second_parent = 2
"""


def test_added_lines_per_commit_and_file() -> None:
    assert list(added(_lines(LOG))) == [
        Added(
            commit=A,
            path="app.py",
            lines=((2, 'KEY = "one"'), (3, "++ odd line that starts with plus signs"), (11, "new")),
        ),
        Added(commit=A, path="new name.py", lines=((4, "renamed = True"),)),
        Added(commit=A, path="café.txt", lines=((1, "menu"),)),
        Added(commit=B, path="merged.py", lines=((1, 'evil = "added by the merge"'),)),
    ]


def test_large_additions_come_in_bounded_chunks() -> None:
    body = "".join(f"+line {i:04d}\n" for i in range(100))
    log = f"\x01commit {A}\ndiff --git a/big.txt b/big.txt\n--- /dev/null\n+++ b/big.txt\n@@ -0,0 +1,100 @@\n{body}"
    chunks = list(added(_lines(log), max_bytes=100))
    assert len(chunks) > 5
    assert all(sum(len(t) + 1 for _, t in c.lines) < 100 + 20 for c in chunks)
    assert [n for c in chunks for n, _ in c.lines] == list(range(1, 101))


def test_truncated_stream_is_not_an_error() -> None:
    """A stream cut short (the tool killed on timeout) parses what it has; the caller raises."""
    cut = LOG[: LOG.index("+renamed")]
    assert [c.path for c in added(_lines(cut))] == ["app.py"]
