"""WSGI entry point: `gunicorn app:app` and `flask --app app ...`."""

import gc

from lms import create_app

app = create_app()
# What start-up built lives as long as the process: the collector's full passes (a few per
# command, and the ones at exit) need not walk it again. Half a second of a short `flask` command.
gc.freeze()
