"""Every setting of the web app is read in lms/config.py, and only there."""

from __future__ import annotations

import re
from pathlib import Path

from flask import Flask

from lms.config import load_config

LMS = Path(__file__).resolve().parents[2] / "lms"
READ = re.compile(r"""config(?:\[|\.get\()\s*["']([A-Z][A-Z0-9_]+)["']""")
# Settings of extensions that keep their own default (Flask-WTF's CSRF field name).
EXTENSION_DEFAULTS = {"WTF_CSRF_FIELD_NAME"}


def test_only_config_reads_the_environment():
    readers = [
        str(path.relative_to(LMS))
        for path in LMS.rglob("*.py")
        if path.name != "config.py" and re.search(r"os\.environ|getenv\(", path.read_text("utf-8"))
    ]
    assert readers == []


def test_every_setting_read_is_declared(tmp_path):
    declared = set(load_config({"INSTANCE_DIR": tmp_path})) | set(Flask.default_config) | EXTENSION_DEFAULTS
    read = {key for path in LMS.rglob("*.py") for key in READ.findall(path.read_text("utf-8"))}
    assert read and read <= declared, sorted(read - declared)
