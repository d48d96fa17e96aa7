"""release-gates: release gates for payment and fintech codebases."""

__version__ = "0.1.0"
