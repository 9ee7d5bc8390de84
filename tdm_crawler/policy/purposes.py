"""What a crawl is for, who runs it, and which statement reserves for which purpose.

Whether a statement reserves depends on the use: ``train-ai=n`` (aipref) forbids training
a generative model and says nothing about a search index, ``search=n`` says nothing
about training. So a crawl declares a :class:`Profile` (its :class:`Purpose`, its
:class:`Operator` and its region), and every reader turns what it read into the set of
purposes the statement reserves, by one look-up in :data:`VOCABULARIES` (through
:func:`reserved_purposes`). The decision then reserves a resource only when that set
holds the crawl's purpose.

The table is data, and ``docs/protocols.md`` (§9) shows it row for row (a test compares
the two). Where a label's scope is ambiguous for a purpose, the label reserves it (fail
closed): under-reading a reservation stores what a rightsholder withheld, over-reading
it only leaves a page out. Each vocabulary also says what a statement it does not list
reserves (:attr:`Vocabulary.otherwise`): nothing where its specification says unknown
labels are ignored or the crawler never read them (aipref, Content Signals, robots
directives, RSL usages, CAWG entries), every purpose where the value can only be a
restriction of unknown scope (an IPTC Data Mining value outside its vocabulary, an AI
agent of unknown category).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, Protocol, TypeVar

__all__ = [
    "DEFAULT_PROFILE",
    "EVERY_PURPOSE",
    "VOCABULARIES",
    "Operator",
    "Profile",
    "Purpose",
    "Reservations",
    "Vocabulary",
    "describe_purposes",
    "reservations",
    "reserved_purposes",
]


class Purpose(StrEnum):
    """What the crawled content is for (``--purpose``, ``TDM_PURPOSE``)."""

    #: Training any AI model, generative models included (the default).
    AI_TRAINING = "ai-training"
    #: Text and data mining that trains no model.
    TDM = "tdm"
    #: Material put into a model at use time: retrieval, grounding, summaries.
    AI_INPUT = "ai-input"
    #: A search index.
    SEARCH = "search"


class Operator(StrEnum):
    """Who runs the crawl (``--operator``, ``TDM_OPERATOR``), as RSL ``user`` terms name it."""

    COMMERCIAL = "commercial"
    NON_COMMERCIAL = "non-commercial"
    EDUCATION = "education"
    GOVERNMENT = "government"
    PERSONAL = "personal"


#: Every purpose, in the order of :class:`Purpose` (the order every listing uses).
EVERY_PURPOSE: frozenset[Purpose] = frozenset(Purpose)

# ISO 3166-1 alpha-2 form. Whether ISO assigned the code is not checked: licences use the
# exceptionally reserved codes too (UK, EU), and a crawl must be able to say it is there.
_REGION = re.compile(r"[A-Z]{2}")


class _Settings(Protocol):
    """Scrapy's ``Settings`` or a manifest's ``settings`` dict: both answer ``get``."""

    def get(self, name: str, default: Any = None, /) -> Any: ...


@dataclass(frozen=True, slots=True)
class Profile:
    """The crawl's purpose, operator and region (``None``: unset, which matches no
    geo-restricted permission). Part of every decision's context, recorded in the
    manifest, replaced by ``replay --purpose``.

    Construction validates, so a profile that exists is a valid one: a wrong value is a
    :class:`ValueError` whose message names the allowed values.
    """

    purpose: Purpose = Purpose.AI_TRAINING
    operator: Operator = Operator.COMMERCIAL
    region: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "purpose", _member(Purpose, self.purpose, "purpose"))
        object.__setattr__(self, "operator", _member(Operator, self.operator, "operator"))
        if self.region is not None and not (
            isinstance(self.region, str) and _REGION.fullmatch(self.region)
        ):
            raise ValueError(
                f"region {self.region!r} is not an ISO 3166-1 alpha-2 code: "
                "give two upper-case letters such as DE, or leave it unset"
            )

    @classmethod
    def parse(
        cls, purpose: str | None = None, operator: str | None = None, region: str | None = None
    ) -> Profile:
        """A profile from text as a person types it: trimmed, the region upper-cased,
        ``None`` or an empty string meaning the default (for the region: unset)."""
        return cls(
            _member(Purpose, (purpose or "").strip() or Purpose.AI_TRAINING, "purpose"),
            _member(Operator, (operator or "").strip() or Operator.COMMERCIAL, "operator"),
            (region or "").strip().upper() or None,
        )

    @classmethod
    def from_settings(cls, settings: _Settings) -> Profile:
        """The profile ``TDM_PURPOSE``, ``TDM_OPERATOR`` and ``TDM_REGION`` name; the
        ValueError names the setting and its option."""
        values: dict[str, str | None] = {}
        for name, option in _SETTINGS:
            value = settings.get(name)
            values[option] = None if value is None else str(value)
            try:
                cls.parse(**{option: values[option]})
            except ValueError as error:
                raise ValueError(f"{name} (--{option}): {error}") from None
        return cls.parse(**values)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Profile:
        """The profile a manifest recorded; none recorded (crawls before profiles
        existed) reads as the default profile."""
        if data is None:
            return DEFAULT_PROFILE
        if not isinstance(data, Mapping):
            raise ValueError(f"a recorded profile must be an object, got {data!r}")
        return cls(
            _member(Purpose, data.get("purpose", Purpose.AI_TRAINING), "purpose"),
            _member(Operator, data.get("operator", Operator.COMMERCIAL), "operator"),
            data.get("region"),
        )

    def to_json(self) -> dict[str, str | None]:
        return {
            "purpose": self.purpose.value,
            "operator": self.operator.value,
            "region": self.region,
        }


_E = TypeVar("_E", Purpose, Operator)

#: (setting, option) of each profile field, in field order.
_SETTINGS = (("TDM_PURPOSE", "purpose"), ("TDM_OPERATOR", "operator"), ("TDM_REGION", "region"))


def _member(enum: type[_E], value: object, what: str) -> _E:
    """``value`` as a member of ``enum`` (a member or its text), else a ValueError that
    lists the allowed values."""
    for member in enum:
        if value == member.value:
            return member
    allowed = ", ".join(member.value for member in enum)
    raise ValueError(f"{what} {value!r} is not one of {allowed}")


#: The profile of a crawl that declares none, and of crawls recorded before profiles.
DEFAULT_PROFILE = Profile()


# --- the purpose table -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """One vocabulary of reserving statements and what each reserves.

    ``statements`` maps a statement, written as the reader normalises it (``form`` says
    how), to the purposes it reserves; ``otherwise`` is what a statement not listed
    reserves, and ``otherwise_why`` why.
    """

    name: str
    title: str
    form: str
    statements: Mapping[str, frozenset[Purpose]]
    otherwise: frozenset[Purpose]
    otherwise_why: str


_T, _M, _I, _S = Purpose.AI_TRAINING, Purpose.TDM, Purpose.AI_INPUT, Purpose.SEARCH
_ALL = EVERY_PURPOSE
_NONE: frozenset[Purpose] = frozenset()


def _vocabulary(
    name: str,
    title: str,
    form: str,
    statements: Mapping[str, Iterable[Purpose]],
    otherwise: Iterable[Purpose],
    otherwise_why: str,
) -> Vocabulary:
    rows = MappingProxyType({key: frozenset(value) for key, value in statements.items()})
    return Vocabulary(name, title, form, rows, frozenset(otherwise), otherwise_why)


#: THE purpose table: vocabulary name -> :class:`Vocabulary`, in the order the docs show.
VOCABULARIES: Mapping[str, Vocabulary] = MappingProxyType(
    {
        vocabulary.name: vocabulary
        for vocabulary in (
            _vocabulary(
                "tdmrep",
                "W3C TDMRep (final report 2024-05-10)",
                "the merged tdm-reservation value",
                {"1": _ALL, "0": _NONE},
                _NONE,
                "any other value is a protocol error: unset",
            ),
            _vocabulary(
                "noai",
                "noai / noimageai robots directives (DeviantArt)",
                "a directive of X-Robots-Tag or a robots meta, lower-cased",
                # noimageai applies to images only; the reader says when it applies.
                {"noai": _ALL, "noimageai": _ALL},
                _NONE,
                "noindex, nofollow and the others are about search engines",
            ),
            _vocabulary(
                "aipref",
                "IETF aipref Content-Usage (vocab -08, attach -05)",
                "label=n (labels are case-sensitive; ai-train is read as train-ai)",
                {
                    "train-ai=n": {_T},
                    "ai-use=n": {_I},
                    "search=n": {_S},
                    # Legacy labels keep the meaning of the draft that defined them.
                    "bots=n": _ALL,  # -03/-04: automated processing, the DSM Directive's TDM
                    "all=n": _ALL,
                    "tdm=n": _ALL,
                    "ai=n": {_T},
                    "genai=n": {_T},
                    "train-genai=n": {_T},
                },
                _NONE,
                "unknown labels are ignored (vocab -08)",
            ),
            _vocabulary(
                "content-signal",
                "Cloudflare Content Signals (2026-07)",
                "key=value, lower-cased",
                {
                    "ai-train=no": {_T},
                    "ai-input=no": {_I},
                    "search=no": {_S},
                    # Both forbid keeping a full copy, which a crawl always does (ours).
                    "use=immediate": _ALL,
                    "use=reference": _ALL,
                    "use=full": _NONE,
                },
                _NONE,
                "unknown keys are ignored",
            ),
            _vocabulary(
                "rsl",
                "Really Simple Licensing 1.0 (errata 2026-05)",
                'a usage value in <prohibits type="usage">, lower-cased',
                {
                    "all": _ALL,
                    # Any AI use; mining that trains no model may be one (fail closed).
                    "ai-all": {_T, _M, _I},
                    "ai-train": {_T},
                    "ai-input": {_I},
                    # An AI search index both answers searches and grounds answers.
                    "ai-index": {_I, _S},
                    "search": {_S},
                    # Pre-1.0 values, with their meaning.
                    "train-ai": {_T},
                    "train-genai": {_T},
                    "ai-use": {_I},
                    "ai-summarize": {_I},
                },
                _NONE,
                "a value outside RSL's vocabulary is not read as a prohibition",
            ),
            _vocabulary(
                "cawg",
                "CAWG training-and-mining 1.1 (and C2PA's old c2pa.training-mining)",
                "an entry (without its cawg./c2pa. prefix) whose use is notAllowed or constrained",
                {
                    "ai_training": {_T},
                    "ai_generative_training": {_T},
                    "data_mining": {_M, _T},
                    "ai_inference": {_I},
                },
                _NONE,
                "entries CAWG does not define are not read",
            ),
            _vocabulary(
                "iptc",
                "IPTC / PLUS Data Mining (IPTC Photo Metadata 2023.1)",
                "a plus:DataMining value without its http://ns.useplus.org/ldf/vocab/ prefix",
                {
                    "DMI-UNSPECIFIED": _NONE,
                    "DMI-ALLOWED": _NONE,
                    "DMI-PROHIBITED": _ALL,
                    "DMI-PROHIBITED-AIMLTRAINING": {_T},
                    "DMI-PROHIBITED-GENAIMLTRAINING": {_T},
                    "DMI-PROHIBITED-EXCEPTSEARCHENGINEINDEXING": {_T, _M, _I},
                    # The terms are elsewhere: what they allow is not known here.
                    "DMI-PROHIBITED-SEECONSTRAINT": _ALL,
                    "DMI-PROHIBITED-SEEEMBEDDEDRIGHTSEXPR": _ALL,
                    "DMI-PROHIBITED-SEELINKEDRIGHTSEXPR": _ALL,
                },
                _ALL,
                "a value outside the vocabulary is not known to allow anything (fail closed)",
            ),
            _vocabulary(
                "ai-agent",
                "robots.txt groups naming AI agents (ours; the packaged AI-agent list)",
                "the category (purpose) of the agent whose group disallows the URL",
                {
                    "ai-training": {_T},
                    # An AI search engine's index answers searches and grounds answers.
                    "ai-search": {_S, _I},
                    "ai-assistant": {_I},
                    # A corpus others use for anything.
                    "dataset": _ALL,
                    "unknown": _ALL,
                },
                _ALL,
                "an agent of unknown purpose reserves for every purpose",
            ),
            _vocabulary(
                "bing",
                "Bing noarchive / nocache (Bing Webmaster Guidelines)",
                "a directive of X-Robots-Tag or a robots meta, lower-cased",
                # Bing: no use in its AI answers or model training. A search index may
                # still hold the page, as search engines do with noarchive (ours).
                {"noarchive": {_T, _M, _I}, "nocache": {_T, _M, _I}},
                _NONE,
                "other directives are not about AI use",
            ),
        )
    }
)


def reserved_purposes(vocabulary: str, statement: str) -> frozenset[Purpose]:
    """The purposes ``statement`` of ``vocabulary`` reserves (one look-up).

    ``statement`` is written as the vocabulary's :attr:`Vocabulary.form` says; a
    statement the table does not list reserves :attr:`Vocabulary.otherwise`. An unknown
    vocabulary is a programming error (ValueError).
    """
    try:
        table = VOCABULARIES[vocabulary]
    except KeyError:
        known = ", ".join(VOCABULARIES)
        raise ValueError(
            f"no purpose table for vocabulary {vocabulary!r}; known: {known}"
        ) from None
    return table.statements.get(statement, table.otherwise)


def describe_purposes(purposes: Iterable[Purpose]) -> str:
    """``"ai-training, tdm"`` in :class:`Purpose` order; ``"every purpose"``; ``"no purpose"``."""
    chosen = frozenset(purposes)
    if chosen == EVERY_PURPOSE:
        return "every purpose"
    if not chosen:
        return "no purpose"
    return ", ".join(purpose.value for purpose in Purpose if purpose in chosen)


@dataclass(frozen=True, slots=True)
class Reservations:
    """The statements of one reading that reserve for some purpose, each with its
    purposes, in table order (then in the order read, for statements the table does
    not list). Empty when nothing read reserves anything."""

    found: tuple[tuple[str, frozenset[Purpose]], ...] = ()

    def __bool__(self) -> bool:
        return bool(self.found)

    @property
    def statements(self) -> list[str]:
        return [statement for statement, _ in self.found]

    @property
    def purposes(self) -> frozenset[Purpose]:
        """Every purpose some statement reserves: statements combine most restrictively."""
        return frozenset().union(*(purposes for _, purposes in self.found))

    def describe(self) -> str:
        """``"train-ai=n (ai-training), tdm=n (every purpose)"``, for signal details."""
        return ", ".join(f"{text} ({describe_purposes(chosen)})" for text, chosen in self.found)


def reservations(vocabulary: str, statements: Iterable[str]) -> Reservations:
    """Look up every statement read (``label=value`` as the vocabulary's form says, each
    once) and keep those that reserve for some purpose."""
    table = VOCABULARIES.get(vocabulary)
    rank = {text: index for index, text in enumerate(table.statements if table else ())}
    said = dict.fromkeys(statements)
    order = {text: rank.get(text, len(rank) + index) for index, text in enumerate(said)}
    found = []
    for text in sorted(said, key=order.__getitem__):
        chosen = reserved_purposes(vocabulary, text)
        if chosen:
            found.append((text, chosen))
    return Reservations(tuple(found))
