"""`python -m gates`: the same entry point as the `gates` console script."""

from gates.cli import entry

entry()
