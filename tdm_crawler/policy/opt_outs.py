"""The opt-out protocols the crawler honours, as a site owner uses them.

The readers say what a statement means; a rightsholder needs the other direction: which
protocols this crawler reads, after which specification, and what to write where so
that it stays away. ``tdm-crawl agent-info`` publishes that, and the EU training-content
summary states it, so the list lives here once: :data:`HONOURED`, one
:class:`OptOut` per protocol, in the order of docs/protocols.md, with the reasons its
decisions are recorded under.

The examples are made for one crawl (:func:`examples`): its product token, its purpose
(a statement counts only when the purpose table, :mod:`.purposes`, gives it the crawl's
purpose), its AI-agent list. Each example is a real statement of that protocol: the
tests decide every one of them with the crawl's own decision functions. A protocol none
of whose statements reserves the crawl's purpose has no example for it
(:func:`statements`); the page says so instead of showing one that would not work.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

from tdm_crawler.policy.ai_agents import AiAgent
from tdm_crawler.policy.purposes import VOCABULARIES, Purpose, reserved_purposes
from tdm_crawler.policy.types import Reason

__all__ = [
    "EXAMPLE_LICENSE_URL",
    "HONOURED",
    "NOT_READ",
    "Example",
    "NotRead",
    "OptOut",
    "examples",
    "statements",
]

#: Where a statement goes: a robots.txt file, ``/.well-known/tdmrep.json``, a response
#: header line, the ``<head>`` of an HTML page, an RSL licence file, a C2PA manifest's
#: assertion (JSON).
Place = Literal["robots.txt", "tdmrep.json", "header", "html", "rsl", "c2pa", "xmp"]

#: The licence URL the RSL examples name (a site's own, in practice).
EXAMPLE_LICENSE_URL: Final = "https://example.org/license.xml"


@dataclass(frozen=True, slots=True)
class Example:
    """One statement, ready to copy: ``text`` goes in ``place``."""

    place: Place
    text: str


@dataclass(frozen=True, slots=True)
class OptOut:
    """One protocol the crawler honours.

    ``vocabulary`` names its rows in the purpose table (None: it is about access and
    holds for every purpose, robots.txt's own group); ``specification`` is the version
    followed, taken from that table's title where there is one so that it is written
    once. ``reads`` filters the table's statements to those the reader can meet (the
    Content-Signal reader reads ``key=yes|no`` pairs only).
    """

    key: str
    name: str
    specification: str
    vocabulary: str | None
    reasons: tuple[Reason, ...]
    read_from: str
    how: str
    note: str = ""
    reads: str = ""

    def reads_statement(self, statement: str) -> bool:
        return statement.endswith(self.reads)


def _title(vocabulary: str) -> str:
    return VOCABULARIES[vocabulary].title


#: Every protocol the crawler honours, in the order of docs/protocols.md.
HONOURED: Final[tuple[OptOut, ...]] = (
    OptOut(
        key="robots-txt",
        name="robots.txt",
        specification="RFC 9309, Robots Exclusion Protocol (September 2022)",
        vocabulary=None,
        reasons=(Reason.ROBOTS_DISALLOW, Reason.ROBOTS_UNREACHABLE),
        read_from="/robots.txt of each origin, before any other request to it",
        how="Disallow paths in a group naming the crawler's product token (or in the * "
        "group, which it obeys when no group names it). A disallowed URL is never "
        "requested, whatever the crawl is for. A robots.txt answering 5xx or 429, or "
        "unreachable, disallows everything.",
    ),
    OptOut(
        key="robots-ai-agents",
        name="robots.txt groups naming AI crawlers",
        specification="RFC 9309 groups naming a crawler of the AI-agent list (ours)",
        vocabulary="ai-agent",
        reasons=(Reason.ROBOTS_AI_AGENT,),
        read_from="the same /robots.txt",
        how="A path disallowed to a known AI crawler (one of the AI-agent list) is taken "
        "as a reservation for the purposes that crawler's category stands for, and is "
        "not requested.",
    ),
    OptOut(
        key="tdmrep",
        name="TDM Reservation Protocol (TDMRep)",
        specification=_title("tdmrep"),
        vocabulary="tdmrep",
        reasons=(
            Reason.TDMREP_FILE,
            Reason.TDMREP_HEADER,
            Reason.TDMREP_META,
            Reason.TDMREP_PDF,
            Reason.TDMREP_EPUB,
        ),
        read_from="/.well-known/tdmrep.json of each origin, the tdm-reservation response "
        "header, the HTML meta, the XMP metadata of PDFs and the package document of EPUBs",
        how="tdm-reservation: 1 reserves text and data mining, for every purpose; a "
        "tdm-policy URL says whom to ask for a licence. A later layer (header, meta, "
        "document) overrides the file property by property.",
        note="A tdmrep.json that cannot be fetched (5xx, 429, network error, after "
        "retries) stops the crawl of the origin: its URLs are not fetched.",
    ),
    OptOut(
        key="noai",
        name="noai / noimageai",
        specification=_title("noai"),
        vocabulary="noai",
        reasons=(Reason.X_ROBOTS_NOAI, Reason.META_ROBOTS_NOAI),
        read_from='the X-Robots-Tag response header, <meta name="robots"> and a meta '
        "named after the crawler's product token",
        how="noai reserves the resource for every purpose; noimageai reserves an image.",
    ),
    OptOut(
        key="content-usage",
        name="IETF AI preferences (Content-Usage)",
        specification=_title("aipref"),
        vocabulary="aipref",
        reasons=(Reason.CONTENT_USAGE,),
        read_from="the Content-Usage response header and Content-Usage lines of the "
        "robots.txt group the crawler obeys",
        how="A preference label=n reserves the purposes its label names.",
    ),
    OptOut(
        key="content-signal",
        name="Content Signals",
        specification=_title("content-signal"),
        vocabulary="content-signal",
        reasons=(Reason.CONTENT_SIGNAL,),
        read_from="Content-Signal lines of the robots.txt group the crawler obeys and the "
        "Content-Signal response header",
        how="key=no reserves the purposes its key names; use=immediate or use=reference "
        "(keep no full copy) reserves every purpose.",
        reads="=no",
    ),
    OptOut(
        key="rsl",
        name="Really Simple Licensing (RSL)",
        specification=_title("rsl"),
        vocabulary="rsl",
        reasons=(Reason.RSL,),
        read_from="licences named by License: lines of robots.txt, by a Link header or an "
        'HTML <link rel="license" type="application/rsl+xml">',
        how='A <prohibits type="usage"> value reserves the purposes it names; a licence '
        "that must be paid for, or obtained from a licence server, reserves every purpose.",
    ),
    OptOut(
        key="c2pa",
        name="C2PA / CAWG training-and-mining assertion",
        specification=_title("cawg"),
        vocabulary="cawg",
        reasons=(Reason.C2PA,),
        read_from="the active C2PA manifest embedded in images, video and audio",
        how="An entry whose use is notAllowed or constrained reserves the purposes it names.",
        note="Read only where the optional c2pa-python library is installed.",
    ),
    OptOut(
        key="iptc",
        name="IPTC / PLUS Data Mining",
        specification=_title("iptc"),
        vocabulary="iptc",
        reasons=(Reason.IPTC_DATA_MINING,),
        read_from="the XMP packet of JPEG, PNG, WebP, GIF and TIFF images and of PDF files",
        how="plus:DataMining set to a DMI-PROHIBITED value of the PLUS vocabulary reserves "
        "the purposes the value names (DMI-PROHIBITED: every purpose).",
    ),
)


@dataclass(frozen=True, slots=True)
class NotRead:
    """A way of opting out this release does not honour, said so that no one relies on it."""

    name: str
    note: str


#: Opt-out statements a site owner may expect to work that this release does not read.
NOT_READ: Final[tuple[NotRead, ...]] = (
    NotRead(
        _title("bing"),
        "recorded; taken as a reservation only by a crawl run with "
        "TDM_NOARCHIVE_RESERVES=true: use one of the protocols above",
    ),
    NotRead(
        "terms of service and other statements in prose",
        "not machine-readable: the crawler cannot find them; use one of the protocols above",
    ),
)


def statements(opt_out: OptOut, purpose: Purpose) -> tuple[str, ...]:
    """The statements of ``opt_out`` that reserve for ``purpose``, in the table's order
    (for robots.txt's own group, which is about access: ``Disallow``)."""
    if opt_out.vocabulary is None:
        return ("Disallow",)
    table = VOCABULARIES[opt_out.vocabulary]
    return tuple(
        statement
        for statement, purposes in table.statements.items()
        if purpose in purposes and opt_out.reads_statement(statement)
    )


def examples(
    opt_out: OptOut, *, token: str, purpose: Purpose, agents: Sequence[AiAgent]
) -> tuple[Example, ...]:
    """Statements of ``opt_out`` that keep a crawl with ``token``, ``purpose`` and
    ``agents`` away, one per place it is read; none when no statement of it reserves
    ``purpose``."""
    chosen = statements(opt_out, purpose)
    if not chosen:
        return ()
    first = chosen[0]
    match opt_out.key:
        case "robots-txt":
            return (Example("robots.txt", f"User-agent: {token}\nDisallow: /"),)
        case "robots-ai-agents":
            agent = next(
                (a for a in agents if purpose in reserved_purposes("ai-agent", a.purpose)), None
            )
            if agent is None:
                return ()
            return (Example("robots.txt", f"User-agent: {agent.token}\nDisallow: /"),)
        case "tdmrep":
            return (
                Example("tdmrep.json", '[{"location": "/", "tdm-reservation": 1}]'),
                Example("header", "tdm-reservation: 1"),
                Example("html", '<meta name="tdm-reservation" content="1">'),
            )
        case "noai":
            return (
                Example("header", "X-Robots-Tag: noai, noimageai"),
                Example("html", '<meta name="robots" content="noai, noimageai">'),
                Example("html", f'<meta name="{token}" content="noai">'),
            )
        case "content-usage":
            return (
                Example("header", f"Content-Usage: {first}"),
                Example("robots.txt", f"User-agent: *\nContent-Usage: {first}"),
            )
        case "content-signal":
            return (
                Example("header", f"Content-Signal: {first}"),
                Example("robots.txt", f"User-agent: *\nContent-Signal: {first}"),
            )
        case "rsl":
            licence = (
                '<rsl xmlns="https://rslstandard.org/rsl">\n'
                '  <content url="/">\n'
                f'    <license><prohibits type="usage">{first}</prohibits></license>\n'
                "  </content>\n"
                "</rsl>"
            )
            return (
                Example("robots.txt", f"License: {EXAMPLE_LICENSE_URL}"),
                Example(
                    "header",
                    f'Link: <{EXAMPLE_LICENSE_URL}>; rel="license"; type="application/rsl+xml"',
                ),
                Example("rsl", licence),
            )
        case "iptc":
            packet = (
                '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
                'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
                'xmlns:plus="http://ns.useplus.org/ldf/xmp/1.0/" plus:DataMining='
                f'"http://ns.useplus.org/ldf/vocab/{first}"/></rdf:RDF></x:xmpmeta>'
            )
            return (Example("xmp", packet),)
        case "c2pa":
            assertion = (
                '{"label": "cawg.training-mining", "data": {"entries": '
                f'{{"cawg.{first}": {{"use": "notAllowed"}}}}}}}}'
            )
            return (Example("c2pa", assertion),)
    raise ValueError(f"no examples for opt-out protocol {opt_out.key!r}")
