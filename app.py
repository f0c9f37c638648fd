"""WSGI entry point: `gunicorn app:app` and `flask --app app ...`."""

import gc

from lms import create_app

# What start-up builds lives as long as the process: no collections while it loads, then frozen so
# the collector's full passes (a few per command, and the ones at exit) never walk it again.
# That was half a second of a short `flask` command.
gc.disable()
app = create_app()
gc.freeze()
gc.enable()
