"""Outputs reduced to safe data; JSON endpoints need the CSRF header when CSRF is on."""

from __future__ import annotations

import base64
import re

from lms.workspace.outputs import clean
from tests.factories import PASSWORD
from tests.lms.workspace.conftest import PAGE

PNG = base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"\x00" * 16).decode()


def test_outputs_keep_text_and_images_and_drop_html_and_script():
    assert clean({"output_type": "stream", "name": "stdout", "text": ["<b>", "x"]})["text"] == "<b>x"
    error = clean({"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["\x1b[31mred\x1b[0m"]})
    assert error == {"type": "error", "ename": "E", "text": "red"}
    png = clean({"output_type": "display_data", "data": {"image/png": PNG, "text/plain": "<Figure>"}})
    assert png == {"type": "image", "mime": "image/png", "data": PNG}
    fake_png = clean({"output_type": "display_data", "data": {"image/png": "PHNjcmlwdD4=", "text/plain": "fig"}})
    assert fake_png == {"type": "text", "text": "fig"}  # not a PNG: never put in an <img>
    html = clean({"output_type": "execute_result", "data": {"text/html": "<script>x</script>"}})
    assert html["type"] == "note" and "<script>" not in html["text"]
    js = clean({"output_type": "display_data", "data": {"application/javascript": "alert(1)", "text/plain": "<JS>"}})
    assert js == {"type": "text", "text": "<JS>"}
    assert clean({"output_type": "update_display_data"}) is None


def test_json_endpoints_need_the_csrf_token_of_the_page(make_app, courses_dir, learner):
    app = make_app(COURSES_DIR=courses_dir, WTF_CSRF_ENABLED=True)
    with app.app_context():
        web = app.test_client()
        page = web.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        web.post("/login", data={"email": learner.email, "password": PASSWORD, "csrf_token": token})
        html = web.get(PAGE).get_data(as_text=True)
        csrf = re.search(r'data-csrf="([^"]+)"', html).group(1)
        body = {"version": 0, "cells": {"squares": "x = 1"}}
        assert web.put(PAGE + "/draft", json=body).status_code == 400
        assert web.put(PAGE + "/draft", json=body, headers={"X-CSRFToken": csrf}).status_code == 200
        assert web.post(PAGE + "/submit").status_code == 400  # no token: refused before any service


def test_markdown_preview_is_sanitised(signed_in):
    html = signed_in.post("/workspace/preview", json={"text": "**bold** <script>alert(1)</script>"}).get_json()["html"]
    assert "<strong>bold</strong>" in html and "<script" not in html
