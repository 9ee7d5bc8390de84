"""A TDMRep policy (ODRL 2.2 profile, JSON-LD): what a user needs to ask for permission.

A ``tdm-policy`` URL never lifts a reservation (protocols §2.6): the policy is read only
so that the record says whom to ask, for what purpose and on which conditions. Hence
the reader is liberal in what it accepts (compact JSON-LD is written in many shapes:
prefixed or expanded terms, a string or a list, ``{"@id": ...}`` objects, the spec's
own examples carry a trailing comma) and strict in what it claims: only terms it
recognises are summarised, anything else is kept verbatim or named as a problem, and
an unreadable document is a :class:`PolicyProblem`, never an exception.

This is not a JSON-LD processor: contexts are not fetched, terms are recognised by
their well-known spellings (``mine``, ``tdm:mine``, ``http://www.w3.org/ns/tdmrep#mine``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Assigner",
    "Constraint",
    "Duty",
    "Permission",
    "PolicyProblem",
    "PolicySummary",
    "parse_policy",
]

TDMREP_PROFILE = "http://www.w3.org/ns/tdmrep"
_ODRL_NS = "http://www.w3.org/ns/odrl/2/"
_TDM_NS = ("http://www.w3.org/ns/tdmrep#", "http://www.w3.org/ns/tdmrep/")
_VCARD_NS = "http://www.w3.org/2006/vcard/ns#"

# Bounds on what is copied into a record (ours): a 1 MiB policy must not become a
# 1 MiB decision record, nor a list of ten thousand permissions.
_MAX_TEXT = 300
_MAX_ITEMS = 20
# Nesting followed inside a value ({"@id": {"@id": ...}}, {"@list": ...}); deeper is junk.
_MAX_DEPTH = 8
# Nesting of arrays and @graph searched for the policy object itself.
_MAX_CONTAINER_DEPTH = 3

_POLICY_TYPES = {"Offer": 0, "Policy": 1, "Set": 1, "Agreement": 1}
_MINE_ACTIONS = {"tdm:mine": "tdm:mine", "mine": "tdm:mine", "use": "use"}
_DUTY_ACTIONS = {"obtainconsent": "obtainConsent", "compensate": "compensate"}
_PURPOSES = {"tdm:research": "research", "tdm:non-research": "non-research"}
# Operators under which a purpose constraint lists the purposes allowed.
_PURPOSE_OPERATORS = frozenset({"eq", "isAnyOf", "isA", "isPartOf"})


@dataclass(frozen=True, slots=True)
class Assigner:
    """The rightsholder's contact points, as far as the policy gives them."""

    uid: str | None = None
    name: str | None = None
    email: str | None = None  # without "mailto:"
    url: str | None = None
    phone: str | None = None  # without "tel:"
    address: str | None = None  # one line, parts joined by ", "

    def to_json(self) -> dict[str, Any]:
        return {
            "uid": self.uid,
            "name": self.name,
            "email": self.email,
            "url": self.url,
            "phone": self.phone,
            "address": self.address,
        }

    def contact(self) -> str | None:
        """Whom to write to, for a one-line summary: ``Name <email>`` or what there is."""
        if self.name and self.email:
            return f"{self.name} <{self.email}>"
        return self.name or self.email or self.url or self.phone or self.uid


@dataclass(frozen=True, slots=True)
class Constraint:
    """An ODRL constraint or refinement, terms compacted (``purpose``, ``tdm:research``)."""

    left: str | None
    operator: str | None
    right: str | None  # a list of values is joined with ", "
    unit: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "leftOperand": self.left,
            "operator": self.operator,
            "rightOperand": self.right,
            "unit": self.unit,
        }

    def describe(self) -> str:
        """``payAmount eq 500.00 Euro``: a unit IRI is shown by its last segment."""
        text = " ".join(part for part in (self.left, self.operator, self.right) if part)
        return f"{text} {_local(self.unit)}" if self.unit else text


@dataclass(frozen=True, slots=True)
class Duty:
    """A duty of a permission; ``constraints`` keeps its constraints and refinements."""

    action: str
    constraints: tuple[Constraint, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "constraints": [c.to_json() for c in self.constraints]}


@dataclass(frozen=True, slots=True)
class Permission:
    """One permission to mine: its duties, the purposes it is limited to, other limits.

    ``purposes`` is empty when no purpose is constrained (any purpose). ``constraints``
    holds every constraint that is not a recognised purpose limit (e.g. ``spatial``).
    """

    action: str
    target: str | None = None
    duties: tuple[Duty, ...] = ()
    purposes: tuple[str, ...] = ()
    constraints: tuple[Constraint, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "target": self.target,
            "duties": [d.to_json() for d in self.duties],
            "purposes": list(self.purposes),
            "constraints": [c.to_json() for c in self.constraints],
        }


@dataclass(frozen=True, slots=True)
class PolicySummary:
    """A readable TDM policy: who to ask, for what, on which conditions.

    ``summary`` is one human line; ``problems`` names what deviated from the profile
    (wrong type or profile, ignored permissions, tolerated syntax) without failing.
    """

    url: str
    uid: str | None
    assigner: Assigner
    permissions: tuple[Permission, ...]
    summary: str
    problems: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "uid": self.uid,
            "assigner": self.assigner.to_json(),
            "permissions": [p.to_json() for p in self.permissions],
            "summary": self.summary,
            "problems": list(self.problems),
        }


@dataclass(frozen=True, slots=True)
class PolicyProblem:
    """A policy that could not be read; the reservation it qualifies stays in place."""

    url: str
    detail: str

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "problem": self.detail}


def parse_policy(
    body: bytes, *, url: str, max_bytes: int = 1024 * 1024
) -> PolicySummary | PolicyProblem:
    """Read the policy fetched from ``url``; never raises.

    The body is one JSON-LD object, or an array or ``@graph`` containing it; an
    ``Offer`` is preferred, another ODRL policy type is accepted with a problem note.
    A body over ``max_bytes`` is refused rather than truncated (cut JSON is unreadable).
    """
    if len(body) > max_bytes:
        return PolicyProblem(url, f"policy larger than {max_bytes} bytes")
    data, problems = _load_json(body)
    if isinstance(data, _Unparsable):
        return PolicyProblem(url, str(data))
    policy = _find_policy(data)
    if policy is None:
        return PolicyProblem(url, "no ODRL policy object (no @type Offer and no permission)")
    return _read_policy(policy, url, problems)


class _Unparsable(str):
    """The reason a body is not JSON (unlike a ``str`` from json.loads, which is data)."""


def _load_json(body: bytes) -> tuple[object, list[str]]:
    """Decode and parse; on failure return an :class:`_Unparsable` reason as the data."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _Unparsable("policy is not UTF-8"), []
    try:
        return json.loads(text), []
    except RecursionError:
        return _Unparsable("policy nested too deeply"), []
    except ValueError:
        pass
    # The TDMRep report's own full example has a trailing comma; tolerate that one slip.
    repaired = _TRAILING_COMMA.sub(lambda m: m.group(1) or m.group(2), text)
    if repaired != text:
        try:
            return json.loads(repaired), ["trailing commas in JSON tolerated"]
        except (ValueError, RecursionError):
            pass
    what = "an HTML page, not JSON" if text.lstrip().startswith("<") else "not JSON"
    return _Unparsable(f"policy is {what}"), []


# A JSON string (kept as is) or a comma directly before a closing bracket (dropped).
_TRAILING_COMMA = re.compile(r'("(?:[^"\\]|\\.)*")|,\s*([\]}])', re.DOTALL)


def _find_policy(data: object) -> dict[str, Any] | None:
    """The policy object: an Offer first, then another policy type, then anything with
    a permission, searched through arrays and ``@graph`` in document order."""
    candidates = list(_objects(data, 0))
    for rank in (0, 1):
        for obj in candidates:
            if any(_POLICY_TYPES.get(t) == rank for t in _types(obj)):
                return obj
    return next((obj for obj in candidates if _prop(obj, "permission") is not None), None)


def _objects(data: object, depth: int) -> Iterator[dict[str, Any]]:
    """Top-level objects: the value itself, members of an array, members of ``@graph``."""
    if depth > _MAX_CONTAINER_DEPTH:
        return
    if isinstance(data, list):
        for item in data[: _MAX_ITEMS * 5]:
            yield from _objects(item, depth + 1)
    elif isinstance(data, dict):
        yield data
        graph = data.get("@graph")
        if graph is not None:
            yield from _objects(graph, depth + 1)


def _types(obj: dict[str, Any]) -> list[str]:
    raw = obj.get("@type", obj.get("type"))
    return [t for t in (_term(v) for v in _as_list(raw)) if t is not None]


def _read_policy(policy: dict[str, Any], url: str, problems: list[str]) -> PolicySummary:
    types = _types(policy)
    if "Offer" not in types:
        shown = ", ".join(types) if types else "none"
        problems.append(f"@type is {shown}, not Offer")
    profiles = [_iri(v) for v in _as_list(_prop(policy, "profile"))]
    if not any(p is not None and p.rstrip("#/") == TDMREP_PROFILE for p in profiles):
        problems.append(f"profile is not {TDMREP_PROFILE}")
    uid = _iri(policy.get("uid", policy.get("@id")))
    assigner = _read_assigner(_prop(policy, "assigner"), problems)
    permissions = _read_permissions(_prop(policy, "permission"), problems)
    summary = _summarise(permissions, assigner)
    return PolicySummary(url, uid, assigner, permissions, summary, tuple(problems))


def _read_assigner(raw: object, problems: list[str]) -> Assigner:
    values = _as_list(raw)
    if not values:
        problems.append("no assigner")
        return Assigner()
    if len(values) > 1:
        problems.append(f"{len(values)} assigners, the first is used")
    first = values[0]
    if isinstance(first, str):
        iri = _text(first)
        if iri is not None and iri.lower().startswith("mailto:"):
            return Assigner(uid=iri, email=_strip_scheme(iri, "mailto:"))
        return Assigner(uid=iri)
    if not isinstance(first, dict):
        problems.append("assigner is neither an object nor an IRI")
        return Assigner()
    return Assigner(
        uid=_iri(first.get("uid", first.get("@id"))),
        name=_value(_vcard(first, "fn"))
        or _value(_vcard(first, "nickname"))
        or _value(_vcard(first, "name")),
        email=_strip_scheme(
            _value(_vcard(first, "hasEmail")) or _value(_vcard(first, "email")), "mailto:"
        ),
        url=_value(_vcard(first, "hasURL")),
        phone=_strip_scheme(_value(_vcard(first, "hasTelephone")), "tel:"),
        address=_address(_vcard(first, "hasAddress")),
    )


_ADDRESS_PARTS = ("street-address", "postal-code", "locality", "region", "country-name")


def _address(raw: object) -> str | None:
    first = _first(raw)
    if isinstance(first, dict):
        parts = [_text(_vcard(first, part)) for part in _ADDRESS_PARTS]
        joined = ", ".join(p for p in parts if p)
        return _text(joined) if joined else None
    return _text(first)


def _read_permissions(raw: object, problems: list[str]) -> tuple[Permission, ...]:
    permissions: list[Permission] = []
    entries = _as_list(raw)
    if not entries:
        problems.append("no permission")
    for index, entry in enumerate(entries[:_MAX_ITEMS], start=1):
        if not isinstance(entry, dict):
            problems.append(f"permission {index} ignored: not an object")
            continue
        actions = [_term(a) for a in _as_list(_prop(entry, "action"))]
        known = [_MINE_ACTIONS[a] for a in actions if a is not None and a in _MINE_ACTIONS]
        if not known:
            shown = ", ".join(a for a in actions if a) or "none"
            problems.append(f"permission {index} ignored: action {shown} is not tdm:mine")
            continue
        purposes, constraints = _read_purposes(_prop(entry, "constraint"))
        duties = tuple(
            duty
            for duty in (_read_duty(d) for d in _as_list(_prop(entry, "duty"))[:_MAX_ITEMS])
            if duty is not None
        )
        permissions.append(
            Permission(known[0], _iri(_prop(entry, "target")), duties, purposes, constraints)
        )
    if len(entries) > _MAX_ITEMS:
        problems.append(f"only the first {_MAX_ITEMS} of {len(entries)} permissions read")
    return tuple(permissions)


def _read_purposes(raw: object) -> tuple[tuple[str, ...], tuple[Constraint, ...]]:
    """Split constraints into recognised purpose limits and everything else."""
    purposes: list[str] = []
    others: list[Constraint] = []
    for item in _as_list(raw)[:_MAX_ITEMS]:
        constraint = _constraint(item)
        if constraint is None:
            continue
        if constraint.left == "purpose" and constraint.operator in _PURPOSE_OPERATORS:
            values = [_term(v) for v in _as_list(_prop_any(item, "rightOperand"))]
            purposes.extend(_PURPOSES.get(v, v) for v in values if v is not None)
        else:
            others.append(constraint)
    return tuple(dict.fromkeys(purposes)), tuple(others)


def _read_duty(raw: object) -> Duty | None:
    if isinstance(raw, str):
        term = _term(raw)
        return Duty(_DUTY_ACTIONS.get(term.lower(), term)) if term else None
    if not isinstance(raw, dict):
        return None
    constraints: list[Constraint] = []
    action: str | None = None
    for item in _as_list(_prop(raw, "action")):
        # ODRL 2.2 refines an action as {"rdf:value": {"@id": "odrl:compensate"},
        # "refinement": [...]}: the payAmount and unit live there.
        if action is None:
            action = _term(item)
        if isinstance(item, dict):
            constraints.extend(_constraints(_prop(item, "refinement")))
    constraints.extend(_constraints(_prop(raw, "constraint")))
    constraints.extend(_constraints(_prop(raw, "refinement")))
    if action is None:
        return None
    return Duty(_DUTY_ACTIONS.get(action.lower(), action), tuple(constraints[:_MAX_ITEMS]))


def _constraints(raw: object) -> list[Constraint]:
    return [c for c in (_constraint(item) for item in _as_list(raw)[:_MAX_ITEMS]) if c]


def _constraint(raw: object) -> Constraint | None:
    if not isinstance(raw, dict):
        return None
    left = _term(_prop_any(raw, "leftOperand"))
    operator = _term(_prop_any(raw, "operator"))
    rights = [_operand(v) for v in _as_list(_prop_any(raw, "rightOperand"))]
    right = _text(", ".join(r for r in rights if r)) if any(rights) else None
    unit = _term(_prop_any(raw, "unit"))
    if left is None and operator is None and right is None:
        return None
    return Constraint(left, operator, right, unit)


# --- summary -------------------------------------------------------------------------


def _summarise(permissions: tuple[Permission, ...], assigner: Assigner) -> str:
    """One line a person can act on, e.g. "TDM for research only, after obtaining
    consent from ACME <rights@acme.example>"."""
    who = assigner.contact()
    if not permissions:
        line = "offers no TDM permission"
        return f"{line}; contact {who}" if who else line
    phrases = [_permission_phrase(p, who) for p in permissions[:3]]
    line = "; or ".join(phrases)
    if len(permissions) > 3:
        line += f"; and {len(permissions) - 3} more"
    consent = any(d.action == "obtainConsent" for p in permissions for d in p.duties)
    if who and not consent:
        line += f"; contact {who}"
    return line


def _permission_phrase(permission: Permission, who: str | None) -> str:
    purposes = permission.purposes
    if not purposes:
        phrase = "TDM for any purpose"
    elif purposes == ("research",):
        phrase = "TDM for research only"
    elif purposes == ("non-research",):
        phrase = "TDM for non-research purposes only"
    elif set(purposes) == {"research", "non-research"}:
        phrase = "TDM for research and non-research purposes"
    else:
        phrase = f"TDM for purpose {' or '.join(purposes)} only"
    conditions = [c.describe() for c in permission.constraints]
    if conditions:
        phrase += f" ({'; '.join(conditions)})"
    duties = [_duty_phrase(d, who) for d in permission.duties]
    if duties:
        phrase += ", " + " and ".join(duties)
    else:
        phrase += ", no duty stated"
    return phrase


def _duty_phrase(duty: Duty, who: str | None) -> str:
    details = "; ".join(c.describe() for c in duty.constraints)
    suffix = f" ({details})" if details else ""
    if duty.action == "obtainConsent":
        return f"after obtaining consent from {who or 'the rightsholder'}{suffix}"
    if duty.action == "compensate":
        return f"against compensation{suffix}"
    return f"with duty {duty.action}{suffix}"


# --- JSON-LD helpers -----------------------------------------------------------------


def _as_list(value: object, depth: int = 0) -> list[Any]:
    """A JSON-LD value as a list: absent -> [], a single value -> [value]; ``@list``
    and ``@set`` objects are unwrapped (a few levels deep, hostile nesting is cut)."""
    if value is None:
        return []
    if isinstance(value, dict):
        for key in ("@list", "@set"):
            if key in value:
                return _as_list(value[key], depth + 1) if depth < _MAX_DEPTH else []
        return [value]
    if isinstance(value, list):
        return value
    return [value]


def _first(value: object) -> object:
    values = _as_list(value)
    return values[0] if values else None


def _prop(obj: dict[str, Any], name: str) -> object:
    """An ODRL property under its compact, prefixed or expanded name."""
    for key in (name, f"odrl:{name}", f"{_ODRL_NS}{name}"):
        if key in obj:
            return obj[key]
    return None


def _prop_any(obj: dict[str, Any], name: str) -> object:
    """Like :func:`_prop`, also accepting any other prefix (``ex:unit``) for the name."""
    found = _prop(obj, name)
    if found is not None:
        return found
    suffix = f":{name}"
    return next((v for k, v in obj.items() if k.endswith(suffix)), None)


def _vcard(obj: dict[str, Any], name: str) -> object:
    """A vCard property: ``fn``, ``vcard:fn`` or the expanded IRI (upper or lower case)."""
    for key in (name, f"vcard:{name}", f"{_VCARD_NS}{name}"):
        if key in obj:
            return obj[key]
    lowered = name.lower()
    return next(
        (v for k, v in obj.items() if isinstance(k, str) and _local(k).lower() == lowered), None
    )


def _local(key: str) -> str:
    for sep in ("#", "/", ":"):
        if sep in key:
            key = key.rsplit(sep, 1)[1]
    return key


def _value(raw: object, depth: int = 0) -> str | None:
    """The text of a value given as a string, ``{"@id"}``, ``{"@value"}`` or
    ``{"vcard:value"}``; the first of a list."""
    first = _first(raw)
    if isinstance(first, dict):
        if depth >= _MAX_DEPTH:
            return None
        for key in ("@id", "@value", "value", "vcard:value", "hasValue", "vcard:hasValue"):
            if key in first:
                return _value(first[key], depth + 1)
        return None
    return _text(first)


def _iri(raw: object) -> str | None:
    return _value(raw)


_RDF_VALUE = ("rdf:value", "http://www.w3.org/1999/02/22-rdf-syntax-ns#value", "@id", "@value")


def _term(raw: object, depth: int = 0) -> str | None:
    """A vocabulary term, compacted: ODRL terms bare (``eq``), TDMRep ones ``tdm:``."""
    first = _first(raw)
    if isinstance(first, dict):
        if depth >= _MAX_DEPTH:
            return None
        inner = next((first[key] for key in _RDF_VALUE if key in first), None)
        return _term(inner, depth + 1)
    text = _text(first)
    if text is None:
        return None
    if text.startswith(_ODRL_NS):
        return text[len(_ODRL_NS) :]
    if text.startswith("odrl:"):
        return text[len("odrl:") :]
    for namespace in _TDM_NS:
        if text.startswith(namespace):
            return "tdm:" + text[len(namespace) :]
    return text


def _operand(raw: object) -> str | None:
    """A right operand: a term, or a number (``12``, ``{"@value": 12.5}``) as text."""
    first = _first(raw)
    if isinstance(first, dict) and "@value" in first:
        first = first["@value"]
    if isinstance(first, (int, float)) and not isinstance(first, bool):
        return str(first)
    return _term(raw)


def _text(raw: object) -> str | None:
    """A trimmed, bounded string, or None for anything else or an empty string."""
    if not isinstance(raw, str):
        return None
    text = " ".join(raw.split())
    if not text:
        return None
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 3] + "..."


def _strip_scheme(value: str | None, scheme: str) -> str | None:
    if value is not None and value.lower().startswith(scheme):
        value = value[len(scheme) :].strip() or None
    return value


def policy_from_fetch(
    url: str, status: int | None, body: bytes | None, *, max_bytes: int
) -> PolicySummary | PolicyProblem | None:
    """A TDM policy as fetched; None when it could not be fetched at all."""
    if status is None or not 200 <= status <= 299 or body is None:
        return None
    return parse_policy(body, url=url, max_bytes=max_bytes)
