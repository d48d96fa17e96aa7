"""Git history of a change: secrets and card numbers in the lines each commit added.

A secret added in one commit of a pull request and removed in the next is still leaked: it
sits in the repository's history, and on every clone. `gates run --diff BASE` therefore also
scans the lines added by every commit in `merge-base(BASE, HEAD)..HEAD`, and `--history` those
of every commit reachable from HEAD. Three parts, pure core apart from the git I/O:

- `patch.py` parses the `git log -p` stream (pure: lines in, added lines per commit and file out,
  in bounded chunks); binary diffs carry no lines and are skipped;
- `scan.py` runs the secrets engine and the pii gate's value scanner on those lines (pure: chunks
  in, findings out);
- `collect.py` is the shell: which gates and settings apply, `gates.git.log_patches` streaming the
  log (a git failure is `GitFailed`, exit 3), findings deduplicated by fingerprint.

Findings are the secrets and pii gates' own (same rule ids, severities and keyed fingerprints as
a finding at that path at HEAD, so a baseline entry or an approval covers them whatever commit
added them), with the commit named in the message and a `commit` property. The runner drops the
ones still in the tree or present at the base: those are reported, or accepted, by the gates.
"""
