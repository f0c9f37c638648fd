"""Notebook workspace: do an assignment in the browser (drafts, sandboxed runs, submit)."""
