"""`python -m fluxstate_tui.cli ...`: the same as `fluxstate-tui ...`."""

import sys

from .main import main

sys.exit(main())
