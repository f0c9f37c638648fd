"""A WeasyPrint URL fetcher that serves only bundled files: certificates never touch the network."""

from __future__ import annotations

import mimetypes
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint.urls import URLFetcher, URLFetcherResponse


class RefusedURL(ValueError):
    """A URL outside the bundled asset folders; WeasyPrint logs it and renders without it."""


class BundledAssetFetcher(URLFetcher):
    """Serve file: URLs under the allowed folders from memory, refuse everything else."""

    def __init__(self, roots: Iterable[Path]) -> None:
        """Remember the allowed folders (resolved, so `..` tricks cannot escape them)."""
        super().__init__(allowed_protocols={"file"}, allow_redirects=False)
        self.roots = tuple(sorted({Path(root).resolve() for root in roots}))
        self._cache: dict[Path, bytes] = {}

    def _allowed_path(self, url: str) -> Path:
        """Map a URL to a bundled file, or raise RefusedURL."""
        parts = urlsplit(url)
        if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
            raise RefusedURL(f"refused non-bundled URL {url[:200]!r}")
        path = Path(unquote(parts.path)).resolve()
        if not any(path.is_relative_to(root) for root in self.roots) or not path.is_file():
            raise RefusedURL(f"refused file outside the certificate templates: {url[:200]!r}")
        return path

    def fetch(self, url: str, headers: dict[str, str] | None = None) -> URLFetcherResponse:
        """Return a bundled asset (cached in memory) or refuse the URL."""
        path = self._allowed_path(url)
        if path not in self._cache:
            self._cache[path] = path.read_bytes()
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, self._cache[path], {"Content-Type": mime})
