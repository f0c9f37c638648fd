"""Demo content of the programme dashboard: this year's two targets (2,000 certified developers, NPS >= 40)."""

from __future__ import annotations

from lms.accounts import services as accounts
from lms.db import utcnow
from lms.demo.services import DEMO_ACCOUNTS
from lms.programme.services import targets

TARGETS = (("certified_developers", 2000), ("nps", 40))


def load_targets() -> str:
    """Set the targets the year lacks (a second run adds nothing); set by the demo admin when present.
    The caller commits."""
    year = utcnow().year
    have = {t.metric for t in targets.targets_of(year)}
    admin_email = next(email for email, _name, role in DEMO_ACCOUNTS if role == "admin")
    admin = accounts.find_user(admin_email)
    added = [metric for metric, value in TARGETS if metric not in have]
    for metric, value in TARGETS:
        if metric in added:
            targets.set_target(year, metric, value, admin)
    if not added:
        return f"Programme targets for {year} already set."
    return f"Programme targets for {year}: " + ", ".join(f"{m} {v}" for m, v in TARGETS if m in added) + "."
