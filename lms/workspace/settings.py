"""Workspace settings: app config first (tests pass them), then the environment, then defaults.

lms/config.py belongs to the platform; these few keys live here to keep the domain self-contained.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

DEFAULTS: dict[str, int] = {
    "WORKSPACE_MAX_DRAFT_BYTES": 1 << 20,  # all answer sources of one draft together
    "WORKSPACE_RUNS_PER_MINUTE": 20,  # per learner
    "WORKSPACE_RUN_THREADS": 2,  # runs at a time per web process
    "WORKSPACE_KERNEL_POOL": 2,  # sandboxed kernels kept started per web process (0: none)
}


def setting(config: Mapping[str, Any], name: str) -> int:
    """One integer setting by name."""
    if name in config:
        return int(config[name])
    return int(os.environ.get(name, DEFAULTS[name]))
