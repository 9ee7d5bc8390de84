"""C2PA / CAWG training-and-mining assertions in images and media (protocols §6).

A C2PA manifest store embedded in a file may carry a ``cawg.training-mining`` assertion
(CAWG training-and-mining 1.1, ratified 2025-05) or the ``c2pa.training-mining`` of C2PA
1.x (removed in C2PA 2.0, still met in files), whose entries (``*.ai_training``,
``*.ai_generative_training``, ``*.data_mining``, ``*.ai_inference``) each have ``use:
allowed | notAllowed | constrained``. ``notAllowed`` on an entry reserves the resource for
the purposes the purpose table gives the entry (vocabulary ``cawg``: the two training
entries -> ai-training, ``data_mining`` -> tdm and ai-training, ``ai_inference`` ->
ai-input; an entry CAWG does not define is not read); so does ``constrained``, which
CAWG says counts as ``notAllowed`` absent more information (we never have more).

Reading manifests needs the optional ``c2pa-python`` package (extra ``media``), a
native library. Choices (ours):

- Not installed: a signal saying the check was not performed, no reservation.
- The reader never touches the network: remote-manifest and OCSP fetching are off.
  (c2pa's defaults *do* fetch a manifest URL found in the asset: an SSRF and a leak of
  what we crawl.) An asset whose manifest is only remote is reported, not fetched.
- Only the active manifest counts: it is the claim about this asset; ingredients'
  manifests describe the assets it was made from.
- The manifest's signature trust does not matter: an assertion restricting use is
  honoured whoever signed it (honouring a false restriction only means not mining), and
  the validation state is recorded in the signal detail.
- Any library error (corrupt manifest, unsupported format): a signal with the error and
  no reservation, since a manifest that cannot be read is not a machine-readable
  reservation.
"""

from __future__ import annotations

import importlib
import io
import json
from collections.abc import Mapping, Sequence
from types import ModuleType
from typing import Any

from tdm_crawler.policy.purposes import describe_purposes, reserved_purposes
from tdm_crawler.policy.types import Finding, Reason, Signal

PROTOCOL = "c2pa"
SOURCE = "c2pa-manifest"
NOT_INSTALLED = "C2PA check not performed: install tdm-crawler[media]"

TRAINING_MINING_LABELS = ("c2pa.training-mining", "cawg.training-mining")
_RESTRICTIVE = {"notallowed": 2, "constrained": 1, "allowed": 0}

# c2pa-rs settings for reading untrusted files: never fetch anything.
_OFFLINE_SETTINGS = {"verify": {"remote_manifest_fetch": False, "ocsp_fetch": False}}


def c2pa_finding(body: bytes, content_type: str | None) -> Finding:
    """Read the C2PA manifest store of a media body and conclude on TDM.

    ``content_type`` is the response's Content-Type (parameters allowed); when the
    library does not know it, the format is detected from the bytes. Never raises.
    """
    module = _load_c2pa()
    if module is None:
        return Finding((Signal(PROTOCOL, SOURCE, None, NOT_INSTALLED),))
    try:
        store = _read_store(module, body, content_type)
    except Exception as error:  # the native library reports everything as exceptions
        # C2paError messages name their kind ("NotSupported: ..."); others need the type.
        kind = "" if isinstance(error, module.C2paError) else f"{type(error).__name__}: "
        detail = f"C2PA manifest not readable: {kind}{_short(error)}"
        return Finding((Signal(PROTOCOL, SOURCE, None, detail),))
    if store is None:
        return Finding((Signal(PROTOCOL, SOURCE, None, "no C2PA manifest"),))
    manifests = store.get("manifests")
    active = manifests.get(store.get("active_manifest")) if isinstance(manifests, dict) else None
    if not isinstance(active, dict):
        return Finding((Signal(PROTOCOL, SOURCE, None, "C2PA store without active manifest"),))
    assertions = active.get("assertions")
    finding = training_mining_finding(assertions if isinstance(assertions, list) else [])
    state = store.get("validation_state")
    if state is None:
        return finding
    signal = finding.signals[0]
    detail = f"{signal.detail}; manifest validation state: {state}"
    signal = Signal(PROTOCOL, SOURCE, signal.value, detail)
    return Finding((signal,), finding.reserves, finding.purposes)


def training_mining_finding(assertions: Sequence[Mapping[str, Any]]) -> Finding:
    """Conclude from a manifest's assertions (as in c2pa's JSON: ``label`` and ``data``).

    Entries of every training-mining assertion are merged into one dict (the signal
    value); an entry named twice keeps its most restrictive ``use``. Reserves with
    :attr:`Reason.C2PA`, for the entries' purposes, when an entry is ``notAllowed`` or
    ``constrained`` (``use`` compared case-insensitively).
    """
    entries: dict[str, Any] = {}
    seen = False
    for assertion in assertions:
        if not isinstance(assertion, Mapping) or not _is_training_mining(assertion.get("label")):
            continue
        seen = True
        data = assertion.get("data")
        raw = data.get("entries") if isinstance(data, Mapping) else None
        for key, entry in (raw or {}).items() if isinstance(raw, Mapping) else ():
            if not isinstance(entry, Mapping):
                continue
            if key not in entries or _rank(entry) > _rank(entries[key]):
                entries[key] = dict(entry)
    if not seen:
        detail = "C2PA manifest without training-mining assertion"
        return Finding((Signal(PROTOCOL, SOURCE, None, detail),))
    # The table knows an entry by its name without the cawg./c2pa. prefix.
    restricted = {
        key: chosen
        for key in sorted(entries)
        if _rank(entries[key]) > 0 and (chosen := reserved_purposes("cawg", key.rpartition(".")[2]))
    }
    purposes = frozenset().union(*restricted.values())
    uses = ", ".join(f"{key} {entries[key].get('use')!s}" for key in sorted(entries)) or "none"
    detail = f"training-mining entries: {uses}"
    if restricted:
        said = (f"{key} ({describe_purposes(chosen)})" for key, chosen in restricted.items())
        detail += f"; reserved by {', '.join(said)}"
    signal = Signal(PROTOCOL, SOURCE, entries, detail)
    return Finding((signal,), Reason.C2PA if restricted else None, purposes)


def _is_training_mining(label: object) -> bool:
    """The label, allowing a version (``.v2``) or instance (``__1``) suffix."""
    if not isinstance(label, str):
        return False
    base = label.partition("__")[0]
    return any(base == name or base.startswith(f"{name}.v") for name in TRAINING_MINING_LABELS)


def _rank(entry: Mapping[str, Any]) -> int:
    use = entry.get("use")
    return _RESTRICTIVE.get(use.casefold(), 0) if isinstance(use, str) else 0


def reader_available() -> bool:
    """Whether this installation reads C2PA manifests (the optional ``media`` extra), so
    that what the crawler says it honours is what it does."""
    return _load_c2pa() is not None


def _load_c2pa() -> ModuleType | None:
    """The ``c2pa`` module, or None when it (or its native library) is not installed."""
    try:
        return importlib.import_module("c2pa")
    except (ImportError, OSError):
        return None


def _mime(module: ModuleType, content_type: str | None) -> str | None:
    """The bare media type when the library supports it, else None (detect from bytes)."""
    if not content_type:
        return None
    mime = content_type.partition(";")[0].strip().lower()
    return mime if mime in module.Reader.get_supported_mime_types() else None


def _read_store(module: ModuleType, body: bytes, content_type: str | None) -> dict[str, Any] | None:
    """The manifest store as JSON, or None when the asset carries no manifest."""
    mime = _mime(module, content_type)
    settings = module.Settings.from_dict(_OFFLINE_SETTINGS)
    with module.Context(settings=settings) as context:
        reader = module.Reader.try_create(mime, io.BytesIO(body), None, context)
        if reader is None:
            return None
        with reader:
            store = json.loads(reader.json())
    return store if isinstance(store, dict) else None


def _short(error: BaseException) -> str:
    text = str(error).strip() or "no message"
    return text if len(text) <= 160 else f"{text[:157]}..."
