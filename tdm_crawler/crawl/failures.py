"""Turning a download failure into a reason code and a line a person can read."""

from __future__ import annotations

from typing import TYPE_CHECKING

from scrapy.exceptions import DownloadCancelledError, IgnoreRequest

from tdm_crawler.policy import Reason

if TYPE_CHECKING:
    from scrapy import Request

#: request.meta key: body bytes received so far (kept by :func:`count_received`).
RECEIVED_META = "_tdm_received"


def classify_failure(
    exc: BaseException, request: Request | None = None, maxsize: int = 0
) -> tuple[Reason, str]:
    """``too-large`` for a body over DOWNLOAD_MAXSIZE (before or after decompression),
    ``fetch-failed`` for everything else (DNS, refused, reset, timeout, redirect loop).

    A body sent without Content-Length is cancelled when it outgrows the cap with a
    message-less exception; the bytes counted for the request tell that case apart.
    """
    text = str(exc) or type(exc).__name__
    if isinstance(exc, DownloadCancelledError) and "max size" in text:
        return Reason.TOO_LARGE, text
    limit = request.meta.get("download_maxsize", maxsize) if request is not None else 0
    received = request.meta.get(RECEIVED_META, 0) if request is not None else 0
    if isinstance(exc, DownloadCancelledError) and limit and received > limit:
        return Reason.TOO_LARGE, (
            f"received {received} bytes, more than the download max size ({limit}), "
            "with no Content-Length: download cancelled"
        )
    if isinstance(exc, IgnoreRequest) and "exceeded DOWNLOAD_MAXSIZE" in text:
        return Reason.TOO_LARGE, text
    return Reason.FETCH_FAILED, f"{type(exc).__name__}: {text}"
