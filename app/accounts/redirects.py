"""Open-redirect guard for ``?next=`` parameters (pure: no Flask, no db)."""
from __future__ import annotations

from urllib.parse import urlsplit


def safe_next(target: str | None, default: str = "/") -> str:
    """``target`` if it is a path on this site, else ``default`` (refuses open redirects).

    Browsers treat ``\\`` like ``/`` and drop tabs and newlines inside URLs, so ``/\\evil.com`` or
    ``/\\t/evil.com`` would become ``//evil.com``: such characters are refused outright.
    """
    target = (target or "").strip()
    if not target.startswith("/") or target.startswith("//"):
        return default
    if any(c == "\\" or ord(c) < 32 or ord(c) == 127 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or parts.path.startswith("//"):
        return default
    return target
