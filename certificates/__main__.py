"""Entry point for `python -m certificates verify FILE.pdf --issuer-key KEY.pem` (no Flask)."""

import sys

from certificates.verify import main

sys.exit(main())
