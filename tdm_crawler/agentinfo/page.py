"""``index.html``: the crawler's public page, for the people whose sites it visits.

It says who crawls and how to reach them, what the content is for, every protocol the
crawler honours with the statements that keep it away (made for this crawler's token,
purpose and AI-agent list, :func:`~tdm_crawler.policy.opt_outs.examples`), what it does
not read, how to complain, and when it last changed. One self-contained file: no script,
no stylesheet or font from elsewhere. Every value a user gave (the contact, the info URL,
the token) is escaped, and only ``http``, ``https`` and ``mailto`` values become links.
"""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Final

from tdm_crawler import __version__
from tdm_crawler.agentinfo.facts import AgentFacts
from tdm_crawler.agentinfo.feed import Feed
from tdm_crawler.policy.ai_agents import list_version
from tdm_crawler.policy.opt_outs import NOT_READ, OptOut, examples, statements
from tdm_crawler.policy.purposes import MEANINGS, reserved_purposes

__all__ = ["render_page"]

#: Where each kind of example goes, in words.
_PLACES: Final = {
    "robots.txt": "in /robots.txt",
    "tdmrep.json": "in /.well-known/tdmrep.json",
    "header": "as an HTTP response header",
    "html": "in the <head> of an HTML page",
    "rsl": "the licence file it names (served as application/rsl+xml)",
    "c2pa": "as an assertion of the C2PA manifest embedded in an image, video or audio file",
    "xmp": "in the XMP packet embedded in an image or PDF file",
}

_STYLE: Final = """
body{font:16px/1.5 system-ui,sans-serif;margin:0;color:#1b1b1b;background:#fff}
main{max-width:52rem;margin:0 auto;padding:1.5rem}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{margin-top:2.2rem;border-bottom:1px solid #ddd}
h3{margin-top:1.6rem}code,pre{font-family:ui-monospace,monospace;font-size:.92em}
pre{background:#f4f4f4;padding:.6rem .8rem;overflow-x:auto;border-radius:4px}
figure{margin:.6rem 0}figcaption{font-size:.9em;color:#555}
dt{font-weight:600}dd{margin:0 0 .6rem 0}
table{border-collapse:collapse}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}
.spec{color:#555}footer{margin-top:3rem;color:#666;font-size:.9em}
"""


def _link(value: str) -> str:
    """``value`` escaped; a link to it when it is an http(s) or mailto URL."""
    text = escape(value)
    if value.startswith(("http://", "https://", "mailto:")):
        return f'<a href="{escape(value, quote=True)}">{text}</a>'
    return text


def _code(value: str) -> str:
    return f"<code>{escape(value)}</code>"


def render_page(facts: AgentFacts, feed: Feed) -> str:
    """The page for ``facts``, whose changes ``feed`` lists."""
    token = escape(facts.token)
    purpose = facts.profile.purpose
    sections = [
        f"<h1>{token}</h1>",
        f'<p class="lead">{_code(facts.token)} is a web crawler run by '
        f"{escape(MEANINGS[facts.profile.operator])}, collecting content for "
        f"{escape(MEANINGS[purpose])}. It honours the text-and-data-mining opt-outs "
        "below: content a rightsholder reserved is not stored, and a URL robots.txt "
        "disallows is not requested.</p>",
        _who(facts),
        _purpose(facts),
        _opt_out(facts),
        _complain(facts),
        _changes(feed),
    ]
    body = "\n".join(sections)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{token}: crawler information</title>\n"
        '<link rel="alternate" type="application/atom+xml" title="Changes" href="changes.atom">\n'
        '<link rel="alternate" type="application/json" title="Facts" href="agent.json">\n'
        f"<style>{_STYLE}</style>\n</head>\n<body>\n<main>\n{body}\n"
        f"<footer>Written by tdm-crawler {escape(__version__)} "
        "(tdm-crawl agent-info).</footer>\n</main>\n</body>\n</html>\n"
    )


def _who(facts: AgentFacts) -> str:
    contact = _link(facts.contact) if facts.contact else "none given"
    page = _link(facts.info_url) if facts.info_url else "not given"
    ranges = (
        ", ".join(_code(network) for network in facts.ip_ranges)
        if facts.ip_ranges
        else "not published"
    )
    region = escape(facts.profile.region) if facts.profile.region else "not stated"
    rows = [
        ("Product token", f"{_code(facts.token)}: the name robots.txt groups are matched to"),
        ("User-Agent", _code(facts.user_agent)),
        (
            "Operator",
            f"{escape(MEANINGS[facts.profile.operator])} ({_code(facts.profile.operator)})",
        ),
        ("Contact", contact),
        ("This page", page),
        ("Sends requests from", ranges),
        ("Region", region),
    ]
    items = "\n".join(f"<dt>{name}</dt><dd>{value}</dd>" for name, value in rows)
    return f'<section id="who">\n<h2>Who crawls</h2>\n<dl>\n{items}\n</dl>\n</section>'


def _purpose(facts: AgentFacts) -> str:
    purpose = facts.profile.purpose
    meaning = MEANINGS[purpose]
    return (
        '<section id="purpose">\n<h2>What the content is for</h2>\n'
        f"<p>{escape(meaning[:1].upper() + meaning[1:])} (purpose {_code(purpose)}).</p>\n"
        "<p>Whether a statement keeps this crawler away depends on that purpose: a "
        "statement reserving only another use (a search index, say, for a crawler "
        "collecting training data) is recorded and not applied. The statements listed "
        "below are those that apply to this crawler. Its own robots.txt group is obeyed "
        "whatever the purpose.</p>\n</section>"
    )


def _opt_out(facts: AgentFacts) -> str:
    parts = [
        '<section id="opt-out">\n<h2>How to opt out</h2>',
        "<p>Any one of these statements is enough: across protocols any reservation "
        "wins. robots.txt is read before any page of a site is requested; the others "
        "before anything is stored.</p>",
    ]
    parts += [_protocol(facts, opt_out) for opt_out in facts.honoured()]
    not_read = "\n".join(f"<li>{escape(item.name)}: {escape(item.note)}</li>" for item in NOT_READ)
    if not facts.reads_c2pa:
        not_read += "\n<li>C2PA / CAWG assertions: no C2PA reader is installed here.</li>"
    parts.append(f"<h3>Not read</h3>\n<ul>\n{not_read}\n</ul>\n</section>")
    return "\n".join(parts)


def _protocol(facts: AgentFacts, opt_out: OptOut) -> str:
    purpose = facts.profile.purpose
    shown = examples(opt_out, token=facts.token, purpose=purpose, agents=facts.agents)
    said = statements(opt_out, purpose)
    lines = [
        f'<article id="{escape(opt_out.key)}">',
        f"<h3>{escape(opt_out.name)}</h3>",
        f'<p class="spec">Specification: {escape(opt_out.specification)}. '
        f"Read from {escape(opt_out.read_from)}.</p>",
        f"<p>{escape(opt_out.how)}</p>",
    ]
    if opt_out.vocabulary is not None and said:
        lines.append(
            "<p>Statements that keep this crawler away: "
            + ", ".join(_code(statement) for statement in said)
            + ".</p>"
        )
    if opt_out.key == "robots-ai-agents":
        lines.append(_agents(facts))
    if shown:
        lines += [
            f"<figure><figcaption>{escape(_PLACES[example.place])}</figcaption>"
            f"<pre><code>{escape(example.text)}</code></pre></figure>"
            for example in shown
        ]
    else:
        lines.append(
            f"<p>No statement of this protocol reserves {escape(MEANINGS[purpose])}: "
            "use another protocol above.</p>"
        )
    if opt_out.note:
        lines.append(f"<p>{escape(opt_out.note)}</p>")
    lines.append("</article>")
    return "\n".join(lines)


def _agents(facts: AgentFacts) -> str:
    purpose = facts.profile.purpose
    rows = "\n".join(
        "<tr>"
        + "".join(
            f"<td>{cell}</td>"
            for cell in (
                _code(agent.token),
                escape(agent.operator),
                escape(agent.purpose),
                "yes" if purpose in reserved_purposes("ai-agent", agent.purpose) else "no",
            )
        )
        + "</tr>"
        for agent in facts.agents
    )
    return (
        f"<p>AI-agent list {_code(list_version(facts.agents))}, {len(facts.agents)} "
        "crawlers. A group disallowing a path to one marked yes keeps this crawler "
        "away from it.</p>\n"
        "<table><thead><tr><th>token</th><th>operator</th><th>category</th>"
        f"<th>keeps this crawler away</th></tr></thead>\n<tbody>\n{rows}\n</tbody></table>"
    )


def _complain(facts: AgentFacts) -> str:
    if facts.contact:
        reach = f"Write to {_link(facts.contact)}"
    else:
        reach = "This crawler was published without a contact; write to its operator"
    asks: Iterable[str] = (
        "which content: the URLs, a URL prefix (https://example.org/archive/) or a whole "
        "origin (https://example.org);",
        "what you ask: that it be removed from what was collected, and whether you have "
        "also published an opt-out for future crawls (above);",
        "why: the right or reservation you rely on;",
        "how you speak for the site: write from an address at its domain, or publish one "
        "of the opt-outs above on it.",
    )
    items = "\n".join(f"<li>{escape(ask)}</li>" for ask in asks)
    return (
        '<section id="complain">\n<h2>How to complain or have content removed</h2>\n'
        f"<p>{reach}, saying:</p>\n<ol>\n{items}\n</ol>\n"
        "<p>The operator removes the content from the collected crawl with "
        "<code>tdm-crawl purge</code>, which copies the crawl without it and records "
        "your complaint and its reason (<code>complaints.jsonl</code>); later crawls "
        "obey the opt-outs your site publishes.</p>\n</section>"
    )


def _changes(feed: Feed) -> str:
    items = "\n".join(
        f"<li><time>{escape(entry.updated)}</time>: {escape(entry.title)}</li>"
        for entry in reversed(feed.entries)
    )
    updated = escape(feed.updated or "")
    return (
        '<section id="changes">\n<h2>Changes</h2>\n'
        f"<p>Last changed <time>{updated}</time>. Subscribe to "
        '<a href="changes.atom">changes.atom</a> (Atom) to be told when anything on '
        'this page changes; <a href="agent.json">agent.json</a> says the same for '
        f"programs.</p>\n<ul>\n{items}\n</ul>\n</section>"
    )
