"""``python -m carepath`` runs the command line."""

import sys

from .orchestration.cli import main

sys.exit(main())
