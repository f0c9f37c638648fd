"""Reading the parts of a certificate PDF that verification needs: attachments and metadata."""

from __future__ import annotations

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.reader import PdfFileReader


class PdfPartError(ValueError):
    """An expected part of the certificate PDF is missing or unreadable."""


def embedded_file(reader: PdfFileReader, name: str) -> bytes:
    """Return the content of the attachment called `name` (the credential travels there)."""
    try:
        names = reader.root["/Names"]["/EmbeddedFiles"]["/Names"]
    except (KeyError, TypeError) as exc:
        raise PdfPartError("the PDF has no embedded files") from exc
    items = [names[i] for i in range(len(names))]
    for key, spec in zip(items[::2], items[1::2], strict=False):
        if str(key) == name:
            try:
                return spec.get_object()["/EF"]["/F"].get_object().data
            except (KeyError, TypeError, AttributeError) as exc:
                raise PdfPartError(f"embedded file {name} is unreadable") from exc
    raise PdfPartError(f"the PDF has no embedded {name}")


def info_value(reader: PdfFileReader, key: str) -> str | None:
    """Return a document information entry (the certificate id is stored there) or None."""
    try:
        info = reader.trailer_view["/Info"]
        value = info.get_object()[key]
    except (KeyError, TypeError):
        return None
    return str(value) if isinstance(value, generic.TextStringObject | generic.ByteStringObject
                                    | str) else None
