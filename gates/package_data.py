"""Files shipped inside the package (policies, rule packs, schemas), found without the import cost.

`importlib.resources` costs every run ~17 ms of imports (zipfile among them), and a pre-commit
run reads the shipped policy on every commit. A package installed as files (a wheel, `pip -e`,
a source tree) is read through its own directory, which is what `importlib.resources` returns
for it anyway; only a package imported from a zip archive goes through `importlib.resources`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.resources.abc import Traversable

_ROOT = Path(__file__).parent


def shipped(*parts: str) -> Traversable:
    """The shipped file or folder `gates/<parts...>`."""
    if _ROOT.is_dir():
        return _ROOT.joinpath(*parts)
    from importlib import resources  # a zipped install: no directory to read

    return resources.files("gates").joinpath(*parts)
