"""What demo data this installation has loaded, so that loading it again does nothing."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import Base


class DemoLoad(Base):
    """One demo data set (`cohort`) loaded into this database: written when loading starts,
    finished when it ends. The marker lives with the data, so a new database loads again."""

    __tablename__ = "demo_loads"

    name: Mapped[str] = mapped_column(String(50), primary_key=True)
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
