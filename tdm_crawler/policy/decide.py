"""The one place where signals become a :class:`Verdict`.

The live crawl, ``check`` and an offline replay all call these functions with the same
inputs, so they reach the same decision, and every verdict carries every signal seen, in
a fixed order: robots, tdmrep file, then (after a fetch) HTTP status, tdmrep header and
tdmrep meta. A signal that found nothing is still listed, so a reader sees what was
looked at, not only what decided.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tdm_crawler.policy.html_meta import looks_like_html
from tdm_crawler.policy.robots import RobotsFile
from tdm_crawler.policy.tdmrep import TdmRepFile, merge_layers, read_headers, read_meta
from tdm_crawler.policy.types import Decision, Reason, Signal, TdmProps, Verdict

_HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})


@dataclass(frozen=True, slots=True)
class ResponseFacts:
    """What the decision needs from a fetched response, free of any HTTP library."""

    url: str  # the URL whose response this is (after redirects)
    status: int
    headers: Mapping[str, Sequence[str]]  # names lower-case, values decoded latin-1
    body: bytes  # content after Content-Encoding decoding (may be truncated by the caller)


def decide_before_fetch(
    url: str, agent: str, robots: RobotsFile, tdmrep: TdmRepFile
) -> Verdict | None:
    """Return the verdict if it is known without fetching ``url``, else None ("fetch it").

    A reservation in the file is not final: a header or meta tag of the resource can lift
    it (§2.5), so such a URL is still fetched (and its body kept only if allowed).
    """
    return _before(url, agent, robots, tdmrep)[1]


def decide_after_fetch(
    url: str, agent: str, robots: RobotsFile, tdmrep: TdmRepFile, response: ResponseFacts
) -> Verdict:
    """Decide a fetched resource: its status, then TDMRep file -> header -> meta."""
    signals, before = _before(url, agent, robots, tdmrep)
    if before is not None:
        return before
    status = Signal("http", "status", response.status, f"HTTP {response.status}")
    if not 200 <= response.status <= 299:
        skipped = f"not read: HTTP {response.status}"
        layer_signals = (
            _layer_signal("header", None, skipped),
            _layer_signal("meta", None, skipped),
        )
        return Verdict(
            Decision.ERROR, Reason.HTTP_STATUS, signals=(*signals, status, *layer_signals)
        )
    rule = tdmrep.match(url)
    header_props, header_problems = read_headers(response.headers)
    layers = [
        (Reason.TDMREP_FILE, rule.props if rule is not None else TdmProps()),
        (Reason.TDMREP_HEADER, header_props),
    ]
    header = _layer_signal("header", header_props, _describe(header_props, header_problems))
    content_type = _content_type(response.headers)
    if _is_html(content_type, response.body):
        meta_props, meta_problems = read_meta(response.body, content_type=content_type)
        layers.append((Reason.TDMREP_META, meta_props))
        meta = _layer_signal("meta", meta_props, _describe(meta_props, meta_problems))
    else:
        meta = _layer_signal("meta", None, f"not read: content type {content_type!r} is not HTML")
    merged, reason = merge_layers(layers)
    all_signals = (*signals, status, header, meta)
    if merged.reservation == 1 and reason is not None:
        return Verdict(Decision.RESERVED, reason, 1, merged.policy, all_signals)
    return Verdict(
        Decision.ALLOWED, Reason.NO_RESERVATION, merged.reservation, merged.policy, all_signals
    )


def decide_failed_fetch(
    url: str, agent: str, robots: RobotsFile, tdmrep: TdmRepFile, reason: Reason, detail: str
) -> Verdict:
    """Decide a resource whose fetch failed (FETCH_FAILED, TOO_LARGE, NOT_PUBLIC_ADDRESS...).

    A verdict known before fetching still wins, so the outcome does not depend on whether
    the caller checked first.
    """
    signals, before = _before(url, agent, robots, tdmrep)
    if before is not None:
        return before
    failure = Signal("http", "fetch", reason.value, detail)
    return Verdict(Decision.ERROR, reason, signals=(*signals, failure))


def _before(
    url: str, agent: str, robots: RobotsFile, tdmrep: TdmRepFile
) -> tuple[tuple[Signal, Signal], Verdict | None]:
    """The robots and file signals, and the verdict they settle on their own, if any."""
    robots_signal = robots.check(url, agent)
    signals = (robots_signal, tdmrep.signal(url))
    if robots_signal.value == "unreachable":
        return signals, Verdict(Decision.DISALLOWED, Reason.ROBOTS_UNREACHABLE, signals=signals)
    if robots_signal.value == "disallow":
        return signals, Verdict(Decision.DISALLOWED, Reason.ROBOTS_DISALLOW, signals=signals)
    if tdmrep.state == "unreachable":
        return signals, Verdict(Decision.UNKNOWN, Reason.TDMREP_FILE_UNAVAILABLE, signals=signals)
    return signals, None


def _layer_signal(source: str, props: TdmProps | None, detail: str) -> Signal:
    value = None if props is None or props.is_empty else props.to_json()
    return Signal("tdmrep", source, value, detail)


def _describe(props: TdmProps, problems: tuple[str, ...]) -> str:
    """Say what a layer carried, then what was wrong with it."""
    said = [f"{name}: {value}" for name, value in props.to_json().items() if value is not None]
    summary = ", ".join(said) if said else "no valid tdm-reservation or tdm-policy"
    return "; ".join((summary, *problems))


def _content_type(headers: Mapping[str, Sequence[str]]) -> str | None:
    values = headers.get("content-type")
    return values[0] if values else None


def _is_html(content_type: str | None, body: bytes) -> bool:
    """Meta tags count in HTML only; an untyped body is sniffed like a browser does."""
    if content_type is None or not content_type.strip():
        return looks_like_html(body)
    return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES
