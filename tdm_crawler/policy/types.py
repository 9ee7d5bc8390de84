"""Value types shared by every reader and by the combination step.

Everything here is immutable: a decision is a value computed from signals, so the live
crawl, ``check`` and a later offline replay all produce equal objects from equal inputs.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, NamedTuple

from tdm_crawler.policy.purposes import EVERY_PURPOSE, Purpose


class Decision(StrEnum):
    """The five outcomes of the public decision record (docs/interface.md, "Decisions")."""

    ALLOWED = "allowed"
    RESERVED = "reserved"
    DISALLOWED = "disallowed"
    UNKNOWN = "unknown"
    ERROR = "error"


class Reason(StrEnum):
    """Short code of the signal that decided (docs/interface.md, "Reason codes")."""

    NO_RESERVATION = "no-reservation"
    ROBOTS_DISALLOW = "robots-disallow"
    ROBOTS_UNREACHABLE = "robots-unreachable"
    ROBOTS_AI_AGENT = "robots-ai-agent"
    TDMREP_FILE = "tdmrep-file"
    TDMREP_HEADER = "tdmrep-header"
    TDMREP_META = "tdmrep-meta"
    TDMREP_EPUB = "tdmrep-epub"
    TDMREP_PDF = "tdmrep-pdf"
    TDMREP_FILE_UNAVAILABLE = "tdmrep-file-unavailable"
    X_ROBOTS_NOAI = "x-robots-noai"
    META_ROBOTS_NOAI = "meta-robots-noai"
    X_ROBOTS_NOARCHIVE = "x-robots-noarchive"
    META_ROBOTS_NOARCHIVE = "meta-robots-noarchive"
    CONTENT_USAGE = "content-usage"
    CONTENT_SIGNAL = "content-signal"
    RSL = "rsl"
    C2PA = "c2pa"
    IPTC_DATA_MINING = "iptc-data-mining"
    HTTP_STATUS = "http-status"
    FETCH_FAILED = "fetch-failed"
    NOT_PUBLIC_ADDRESS = "not-public-address"
    TOO_LARGE = "too-large"
    #: Not a protocol's: ``tdm-crawl purge`` removed the stored content at a
    #: rightsholder's request (the record's last signal says which).
    PURGED = "purged"
    EXCLUDED_SOURCE = "excluded-source"
    PAYWALLED = "paywalled"


@dataclass(frozen=True, slots=True)
class Signal:
    """One thing seen while deciding, whether or not it decided.

    ``protocol`` names the opt-out protocol (``robots``, ``tdmrep``, ``http``, ...),
    ``source`` where it was read (``robots.txt``, ``file``, ``header``, ``meta``, ...),
    ``value`` the value read (JSON-serialisable), ``detail`` a human explanation.
    """

    protocol: str
    source: str
    value: Any
    detail: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "protocol": self.protocol,
            "source": self.source,
            "value": self.value,
            "detail": self.detail,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Signal:
        return cls(data["protocol"], data["source"], data.get("value"), data.get("detail", ""))


@dataclass(frozen=True, slots=True)
class TdmProps:
    """The two TDMRep properties as read from one layer; ``None`` means unset."""

    reservation: int | None = None
    policy: str | None = None

    @property
    def is_empty(self) -> bool:
        return self.reservation is None and self.policy is None

    def to_json(self) -> dict[str, Any]:
        return {"tdm-reservation": self.reservation, "tdm-policy": self.policy}


@dataclass(frozen=True, slots=True)
class Verdict:
    """The decision for one URL and everything that justifies it.

    ``purpose`` is the crawl purpose it was decided for: the same signals can reserve a
    resource for one purpose and leave it allowed for another.
    """

    decision: Decision
    reason: Reason
    tdm_reservation: int | None = None
    tdm_policy: str | None = None
    signals: tuple[Signal, ...] = field(default_factory=tuple)
    purpose: Purpose = Purpose.AI_TRAINING

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOWED


@dataclass(frozen=True, slots=True)
class Finding:
    """What one protocol reader concluded about one resource.

    ``signals`` are everything the reader saw (they all go into the record, deciding or
    not); ``reserves`` is the reason code when this protocol reserves the resource for
    some purpose, else ``None``, and ``purposes`` the purposes it reserves for (looked
    up in the purpose table; every purpose unless the reader says otherwise). Across
    protocols any reservation for the crawl's purpose wins, so combining findings is a
    fold.
    """

    signals: tuple[Signal, ...] = ()
    reserves: Reason | None = None
    purposes: frozenset[Purpose] = EVERY_PURPOSE

    def reserves_for(self, purpose: Purpose) -> Reason | None:
        """The reason code if this finding reserves the resource for ``purpose``."""
        return self.reserves if purpose in self.reserved_for else None

    @property
    def reserved_for(self) -> frozenset[Purpose]:
        """The purposes this finding reserves for (none when it does not reserve)."""
        return self.purposes if self.reserves is not None else frozenset()


class EmbeddedReading(NamedTuple):
    """What a PDF or EPUB metadata reader found.

    ``complete`` is False when the reader could not get to the metadata (encrypted,
    truncated, broken, over a cap, out of time): then the opt-out status of the document
    is not established, and the decision fails closed (``unknown``).
    """

    props: TdmProps
    problems: tuple[str, ...]
    detail: str
    complete: bool
