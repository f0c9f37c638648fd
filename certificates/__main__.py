"""Entry point for `python -m certificates`."""

import sys

from certificates.cli import main

sys.exit(main())
