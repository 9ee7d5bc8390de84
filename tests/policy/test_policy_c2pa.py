"""C2PA / CAWG training-and-mining assertions (protocols §6).

The pure conclusion is table-tested; the reader is tested on real manifests signed here
with a throwaway ES256 chain (when c2pa-python is installed), on unsigned and corrupt
files, offline, and with the package missing.
"""

from __future__ import annotations

import http.server
import io
import sys
import threading
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest

from fixtures.documents import c2pa_signed_png, make_png
from tdm_crawler.policy.c2pa import NOT_INSTALLED, c2pa_finding, training_mining_finding
from tdm_crawler.policy.purposes import Purpose
from tdm_crawler.policy.types import Reason


def tm(label: str, **uses: str) -> dict[str, Any]:
    """A training-mining assertion; keyword ``ai_training="notAllowed"`` becomes the entry
    ``<prefix>.ai_training`` with that use, the prefix taken from the label."""
    prefix = label.partition(".")[0]
    return {
        "label": label,
        "data": {"entries": {f"{prefix}.{k}": {"use": v} for k, v in uses.items()}},
    }


C2PA, CAWG = "c2pa.training-mining", "cawg.training-mining"

# (assertions, reserves?)
CASES = [
    pytest.param([tm(C2PA, ai_training="notAllowed")], True, id="c2pa-training-notAllowed"),
    pytest.param([tm(CAWG, ai_training="notAllowed")], True, id="cawg-training-notAllowed"),
    pytest.param(
        [tm(C2PA, ai_generative_training="notAllowed")], True, id="generative-training-notAllowed"
    ),
    pytest.param([tm(CAWG, data_mining="notAllowed")], True, id="mining-notAllowed"),
    pytest.param([tm(CAWG, data_mining="constrained")], True, id="mining-constrained"),
    pytest.param([tm(C2PA, ai_training="constrained")], True, id="training-constrained"),
    pytest.param(
        [tm(CAWG, ai_training="allowed", ai_generative_training="allowed", data_mining="allowed")],
        False,
        id="all-allowed",
    ),
    pytest.param([tm(CAWG, ai_inference="notAllowed")], False, id="inference-not-training"),
    pytest.param([tm(CAWG, ai_training="NOTALLOWED")], True, id="use-case-insensitive"),
    pytest.param([tm(CAWG, ai_training="maybe")], False, id="unknown-use"),
    pytest.param([tm("c2pa.training-mining.v2", ai_training="notAllowed")], True, id="versioned"),
    pytest.param([tm("cawg.training-mining__1", data_mining="notAllowed")], True, id="instance"),
    pytest.param([tm("c2pa.training-miningX", ai_training="notAllowed")], False, id="other-label"),
    pytest.param(
        [tm(C2PA, ai_training="allowed"), tm(CAWG, data_mining="notAllowed")],
        True,
        id="two-assertions-any-reserves",
    ),
    pytest.param(
        [
            {"label": C2PA, "data": {"entries": {"c2pa.ai_training": {"use": "allowed"}}}},
            {"label": C2PA, "data": {"entries": {"c2pa.ai_training": {"use": "notAllowed"}}}},
        ],
        True,
        id="duplicate-entry-most-restrictive",
    ),
    pytest.param(
        [{"label": CAWG, "data": {"entries": {"ai_training": {"use": "notAllowed"}}}}],
        True,
        id="unprefixed-entry",
    ),
    pytest.param([{"label": CAWG, "data": {"entries": []}}], False, id="entries-not-a-dict"),
    pytest.param([{"label": CAWG, "data": None}], False, id="no-data"),
    pytest.param(
        [{"label": CAWG, "data": {"entries": {"cawg.ai_training": "notAllowed"}}}],
        False,
        id="entry-not-an-object",
    ),
    pytest.param(
        [{"label": CAWG, "data": {"entries": {"cawg.ai_training": {}}}}], False, id="use-missing"
    ),
    pytest.param([{"label": "c2pa.actions", "data": {}}], False, id="no-training-mining"),
    pytest.param([], False, id="no-assertions"),
    pytest.param(["junk", None], False, id="junk-assertions"),
]


@pytest.mark.parametrize(("assertions", "reserves"), CASES)
def test_training_mining_finding(assertions: list[Any], reserves: bool) -> None:
    """``reserves``: reserved for the default purpose, ai-training."""
    finding = training_mining_finding(assertions)
    assert finding.reserves_for(Purpose.AI_TRAINING) == (Reason.C2PA if reserves else None)
    (signal,) = finding.signals
    assert (signal.protocol, signal.source) == ("c2pa", "c2pa-manifest")


def test_signal_value_is_the_entries_dict() -> None:
    finding = training_mining_finding([tm(CAWG, ai_training="notAllowed", ai_inference="allowed")])
    (signal,) = finding.signals
    assert signal.value == {
        "cawg.ai_training": {"use": "notAllowed"},
        "cawg.ai_inference": {"use": "allowed"},
    }
    assert "reserved by cawg.ai_training (ai-training)" in signal.detail


TRAIN, MINE, INPUT = Purpose.AI_TRAINING, Purpose.TDM, Purpose.AI_INPUT


@pytest.mark.parametrize(
    ("entries", "purposes"),
    [
        pytest.param({"ai_training": "notAllowed"}, {TRAIN}, id="training"),
        pytest.param({"ai_generative_training": "constrained"}, {TRAIN}, id="generative"),
        pytest.param({"data_mining": "notAllowed"}, {MINE, TRAIN}, id="mining-is-tdm-and-training"),
        pytest.param({"ai_inference": "constrained"}, {INPUT}, id="inference-is-ai-input"),
        pytest.param(
            {"ai_inference": "notAllowed", "ai_training": "allowed"},
            {INPUT},
            id="allowed-adds-none",
        ),
        pytest.param({"custom_use": "notAllowed"}, set(), id="undefined-entry-not-read"),
        pytest.param(
            {"data_mining": "constrained", "ai_inference": "x"}, {MINE, TRAIN}, id="bad-use"
        ),
        pytest.param({"ai_training": "allowed"}, set(), id="allowed"),
    ],
)
def test_entries_reserve_their_purposes(entries: dict[str, str], purposes: set[Purpose]) -> None:
    finding = training_mining_finding([tm(CAWG, **entries)])
    assert finding.reserved_for == purposes
    assert finding.reserves == (Reason.C2PA if purposes else None)


#: CAWG 1.1 as the test reads it: entry -> the purposes it reserves when not allowed.
ENTRY_PURPOSES = {
    "ai_training": "T",
    "ai_generative_training": "T",
    "data_mining": "TM",
    "ai_inference": "I",
}
#: use -> whether it counts as notAllowed (CAWG: constrained does, absent more).
USES = {"allowed": False, "notAllowed": True, "constrained": True}
LETTERS = {TRAIN: "T", MINE: "M", INPUT: "I", Purpose.SEARCH: "S"}


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("use", list(USES))
@pytest.mark.parametrize("entry", list(ENTRY_PURPOSES))
@pytest.mark.parametrize("label", [CAWG, C2PA, f"{CAWG}.v2"])
def test_cawg_table(label: str, entry: str, use: str, purpose: Purpose) -> None:
    """Every entry x use x label (CAWG 1.1 and the old C2PA label) x purpose."""
    finding = training_mining_finding([tm(label, **{entry: use})])
    expected = ENTRY_PURPOSES[entry] if USES[use] else ""
    assert "".join(LETTERS[p] for p in Purpose if p in finding.reserved_for) == expected
    reserved = LETTERS[purpose] in expected
    assert (finding.reserves_for(purpose) is Reason.C2PA) == reserved
    if reserved:
        assert f"reserved by {label.partition('.')[0]}.{entry} (" in finding.signals[0].detail


def test_no_training_mining_assertion_signal() -> None:
    (signal,) = training_mining_finding([{"label": "c2pa.actions"}]).signals
    assert signal.value is None
    assert signal.detail == "C2PA manifest without training-mining assertion"


def test_not_installed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "c2pa", None)  # makes `import c2pa` raise ImportError
    finding = c2pa_finding(make_png(), "image/png")
    assert finding.reserves is None
    (signal,) = finding.signals
    assert signal.value is None
    assert signal.detail == NOT_INSTALLED == "C2PA check not performed: install tdm-crawler[media]"


# --- with the library ------------------------------------------------------------------


@pytest.fixture(scope="module")
def c2pa_module() -> Any:
    return pytest.importorskip("c2pa")


@pytest.mark.parametrize(
    ("assertion", "purposes"),
    [
        pytest.param(tm(C2PA, ai_training="notAllowed"), {TRAIN}, id="c2pa-label-notAllowed"),
        pytest.param(
            tm(CAWG, data_mining="constrained"), {MINE, TRAIN}, id="cawg-label-constrained"
        ),
        pytest.param(tm(CAWG, ai_training="allowed", data_mining="allowed"), set(), id="allowed"),
        pytest.param(tm(CAWG, ai_inference="notAllowed"), {INPUT}, id="inference-only"),
    ],
)
def test_signed_round_trip(
    c2pa_module: Any, assertion: dict[str, Any], purposes: set[Purpose]
) -> None:
    body = c2pa_signed_png([assertion])
    finding = c2pa_finding(body, "image/png")
    assert finding.reserves == (Reason.C2PA if purposes else None)
    assert finding.reserved_for == purposes
    (signal,) = finding.signals
    assert signal.value == assertion["data"]["entries"]
    assert "manifest validation state: Valid" in signal.detail


@pytest.mark.parametrize(
    "content_type",
    [
        pytest.param("image/png", id="exact"),
        pytest.param("IMAGE/PNG; charset=binary", id="parameters-and-case"),
        pytest.param(None, id="none-detected-from-bytes"),
        pytest.param("application/octet-stream", id="generic-detected-from-bytes"),
        pytest.param("image/jpeg", id="wrong-type-detected-from-bytes"),
    ],
)
def test_content_type_variants(c2pa_module: Any, content_type: str | None) -> None:
    body = c2pa_signed_png([tm(CAWG, ai_training="notAllowed")])
    assert c2pa_finding(body, content_type).reserves is Reason.C2PA


def test_manifest_without_training_mining(c2pa_module: Any) -> None:
    finding = c2pa_finding(c2pa_signed_png([]), "image/png")
    assert finding.reserves is None
    assert finding.signals[0].detail.startswith("C2PA manifest without training-mining")


def test_unsigned_image_has_no_manifest(c2pa_module: Any) -> None:
    finding = c2pa_finding(make_png(), "image/png")
    assert finding.reserves is None
    (signal,) = finding.signals
    assert (signal.value, signal.detail) == (None, "no C2PA manifest")


@pytest.mark.parametrize(
    ("mangle", "content_type"),
    [
        pytest.param(lambda b: b[: len(b) // 2], "image/png", id="truncated"),
        pytest.param(lambda b: b"\x89PNG\r\n\x1a\n" + b"x" * 100, "image/png", id="garbage-png"),
        pytest.param(lambda b: b"<html>hello</html>", "text/html", id="unsupported-type"),
        pytest.param(lambda b: b"", None, id="empty"),
    ],
)
def test_library_errors_are_signals_not_reservations(
    c2pa_module: Any, mangle: Any, content_type: str | None
) -> None:
    body = mangle(c2pa_signed_png([tm(C2PA, ai_training="notAllowed")]))
    finding = c2pa_finding(body, content_type)
    assert finding.reserves is None
    (signal,) = finding.signals
    assert signal.value is None
    assert signal.detail.startswith(("C2PA manifest not readable", "no C2PA manifest"))


def test_tampered_manifest_is_honoured_and_flagged(c2pa_module: Any) -> None:
    # Changing the assertion after signing breaks its hash: the manifest is Invalid, yet
    # a restriction is honoured whoever wrote it (honouring a false one only means not
    # mining); the record says the manifest did not validate.
    body = c2pa_signed_png([tm(C2PA, ai_training="notAllowed")])
    tampered = body.replace(b"notAllowed", b"notAllowEd")
    assert tampered != body
    finding = c2pa_finding(tampered, "image/png")
    assert finding.reserves is Reason.C2PA
    assert "manifest validation state: Invalid" in finding.signals[0].detail


class _Counter(http.server.BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        self.hits.append(self.path)
        self.send_response(404)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def loopback_server() -> Iterator[tuple[str, list[str]]]:
    server = http.server.HTTPServer(("127.0.0.1", 0), _Counter)
    _Counter.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/manifest.c2pa", _Counter.hits
    finally:
        server.shutdown()
        server.server_close()


def test_remote_manifest_is_never_fetched(
    c2pa_module: Any, loopback_server: tuple[str, list[str]]
) -> None:
    # c2pa's default settings would GET this URL; the reader must not.
    from fixtures.documents import _test_signing_chain

    url, hits = loopback_server
    chain, key = _test_signing_chain()
    signer = c2pa_module.Signer.from_info(
        c2pa_module.C2paSignerInfo(c2pa_module.C2paSigningAlg.ES256, chain, key, None)
    )
    created = {
        "action": "c2pa.created",
        "digitalSourceType": "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture",
    }
    manifest = {
        "claim_generator_info": [{"name": "t", "version": "1"}],
        "format": "image/png",
        "assertions": [{"label": "c2pa.actions", "data": {"actions": [created]}}],
    }
    out = io.BytesIO()
    with c2pa_module.Builder(manifest) as builder:
        builder.set_no_embed()
        builder.set_remote_url(url)
        builder.sign(signer, "image/png", io.BytesIO(make_png()), out)
    finding = c2pa_finding(out.getvalue(), "image/png")
    assert hits == []
    assert finding.reserves is None
    assert "remote" in finding.signals[0].detail.lower()
