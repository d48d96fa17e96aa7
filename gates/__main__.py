"""`python -m gates`: the same entry point as the `gates` console script."""

import sys

from gates.cli import main

sys.exit(main())
