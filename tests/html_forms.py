"""A page's form as a browser submits it: its controls parsed from the HTML in document order, then
what the browser posts once a person has set the visible ones (hidden fields keep their values, and
every control named alike is posted, in order; a server reading the first value sees the first)."""

from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

from werkzeug.datastructures import MultiDict

SKIPPED_INPUTS = {"submit", "button", "image", "reset", "file"}


@dataclass
class Control:
    """One named control of a form: its kind (an input's type, "select", "textarea") and value."""

    name: str
    kind: str
    value: str
    options: list[str] = field(default_factory=list)


class _FormParser(HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action, self.found, self.inside = action, False, False
        self.controls: list[Control] = []
        self._select: Control | None = None
        self._option: dict | None = None
        self._textarea: Control | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form" and not self.found and (a.get("action") or "").endswith(self.action):
            self.found = self.inside = True
        if not self.inside or "disabled" in a:
            return
        if tag == "input" and a.get("name"):
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            if kind not in SKIPPED_INPUTS:
                self.controls.append(Control(a["name"], kind, a.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and a.get("name"):
            self._select = Control(a["name"], "select", "")
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "text": "", "selected": "selected" in a}
        elif tag == "textarea" and a.get("name"):
            self._textarea = Control(a["name"], "textarea", "")

    def handle_data(self, data: str) -> None:
        if self._option is not None:
            self._option["text"] += data
        elif self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "option" and self._option is not None and self._select is not None:
            option, self._option = self._option, None
            value = option["value"] if option["value"] is not None else option["text"].strip()
            if not self._select.options or option["selected"]:
                self._select.value = value
            self._select.options.append(value)
        elif tag == "select" and self._select is not None:
            self.controls.append(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.controls.append(self._textarea)
            self._textarea = None
        elif tag == "form" and self.inside:
            self.inside = False


def form_controls(html: str, action: str) -> list[Control]:
    """The named controls of the first form whose action ends with `action`, in document order."""
    parser = _FormParser(action)
    parser.feed(html)
    assert parser.found, f"no form posting to {action}"
    return parser.controls


def browser_post_data(controls: list[Control], **chosen: str) -> MultiDict:
    """What the browser posts after a person sets `chosen` in the visible controls (a select only to
    one of its options); hidden fields are posted as rendered."""
    data, used = [], set()
    for control in controls:
        value = control.value
        if control.kind != "hidden" and control.name in chosen:
            value = chosen[control.name]
            assert control.kind != "select" or value in control.options, f"{value} is no option of {control.name}"
            used.add(control.name)
        data.append((control.name, value))
    assert used == set(chosen), f"no visible control for {set(chosen) - used}"
    return MultiDict(data)
