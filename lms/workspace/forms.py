"""Workspace forms: the local notebook that replaces a draft (JSON endpoints carry the CSRF header)."""

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired


class DraftUploadForm(FlaskForm):
    """A notebook worked on locally; its answer cells replace the draft's."""

    notebook = FileField(_l("Notebook (.ipynb)"), validators=[FileRequired(_l("Choose a notebook file."))])
