"""Turning a download failure into a reason code and a line a person can read."""

from __future__ import annotations

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from tdm_crawler.policy import Reason


def classify_failure(exc: BaseException) -> tuple[Reason, str]:
    """``too-large`` for a body over DOWNLOAD_MAXSIZE (before or after decompression),
    ``fetch-failed`` for everything else (DNS, refused, reset, timeout, redirect loop)."""
    text = str(exc) or type(exc).__name__
    if isinstance(exc, DownloadCancelledError) and "max size" in text:
        return Reason.TOO_LARGE, text
    if isinstance(exc, IgnoreRequest) and "exceeded DOWNLOAD_MAXSIZE" in text:
        return Reason.TOO_LARGE, text
    return Reason.FETCH_FAILED, f"{type(exc).__name__}: {text}"
