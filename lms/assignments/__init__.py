"""Notebook assignments: releases, submissions, grading queue, feedback, gradebook."""
