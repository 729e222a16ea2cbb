"""``python -m otrisk`` runs the command line (same as the ``otrisk`` console script)."""

import sys

from otrisk.cli import main

sys.exit(main())
