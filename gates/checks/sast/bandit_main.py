"""bandit's own command line, with its `# nosec` lookup made linear when there is nothing to find.

Run as a script by this environment's interpreter in isolated mode (`python -I bandit_main.py
<bandit's arguments>`, from bandit.py `_run_one`), for the bandit installed beside it; it imports
nothing of release-gates. Isolated mode puts neither the script's folder nor the working
directory (the repository under scan) on `sys.path` and ignores PYTHON* variables, so the
`bandit` imported is the installed package, as from bandit's own script.

Why: for every test on every AST node, bandit asks whether a `# nosec` comment lies on any line
the node spans (`bandit.core.utils.get_nosec`), a loop over the node's whole line range, and it
asks even when the file has no such comment, as always under `--ignore-nosec` (the gate records
nosec requests, bandit never obeys them). A node spanning thousands of lines makes a file
quadratic: stripe's generated `params/__init__.py`, an `if TYPE_CHECKING:` block of 17,651 lines
of imports, took 6.8 s of bandit's 9.7 s CPU on the 141 stripe files the gate sends it. With no
nosec lines the answer is None whatever the range, so that case returns at once; any other call
runs bandit's own function. Output and exit code are bandit's: the same JSON apart from its
timestamp (tests/test_sast_bandit_main.py compares them with bandit's script).
"""

import sys
from typing import Any


def _linear_when_empty() -> None:
    from bandit.core import utils  # type: ignore[import-untyped]  # bandit ships no types

    original = getattr(utils, "get_nosec", None)
    if original is None:  # another bandit: left as it is, only slower
        return

    def get_nosec(nosec_lines: Any, context: Any) -> Any:
        if not nosec_lines:
            return None
        return original(nosec_lines, context)

    utils.get_nosec = get_nosec


def main() -> None:
    _linear_when_empty()
    from bandit.cli.main import main as bandit_main  # type: ignore[import-untyped]

    sys.argv[0] = "bandit"  # its usage and messages name itself
    bandit_main()


if __name__ == "__main__":
    main()
