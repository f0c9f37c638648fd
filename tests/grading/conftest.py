"""Shared fixtures: one release of the fixture notebook, small sandbox limits."""

from __future__ import annotations

import pytest

from grading import Release, SandboxLimits, make_release
from tests.grading import notebooks

FAST = SandboxLimits(
    cell_timeout=3.0,
    notebook_timeout=6.0,
    cpu_seconds=10,
    memory_bytes=512 << 20,
    nproc=64,
    file_bytes=8 << 20,
    tmp_bytes=32 << 20,
    output_bytes=256 << 10,
)


@pytest.fixture(scope="session")
def release() -> Release:
    """The fixture assignment as nbgrader releases it."""
    return make_release(notebooks.source_bytes(), name="squares")


@pytest.fixture(scope="session")
def kernel_release() -> Release:
    """The fixture assignment with its visible tests marked to run in the kernel."""
    return make_release(notebooks.source_bytes(in_kernel=notebooks.VISIBLE_TEST_IDS), name="squares")


@pytest.fixture(scope="session")
def limits() -> SandboxLimits:
    """Limits small enough that hostile cases finish in seconds."""
    return FAST
