"""Notebook assignments: releases, submissions, grading queue, feedback, gradebook."""

# nbformat without jsonschema's slow IRI grammar, before `grading` imports nbformat (1.5 s).
import lms.catalog.notebook_format  # noqa: F401
