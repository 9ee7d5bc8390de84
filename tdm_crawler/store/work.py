"""What a decision record says of a stored work beyond its decision: licence and size.

A crawl that honours opt-outs also says what the corpus draws from the commons: under
which licence each stored work is (so attribution can be given and share-alike terms
kept), and how big it is (so a corpus can be counted and a contribution back shared
out by what was used). Both are read once, from the response as stored, by
:func:`tdm_crawler.corpus.work.read_work`; the record carries them as two fields:

- ``license``: the :class:`~tdm_crawler.policy.license_reading.LicenseReading` JSON;
- ``size``: :class:`WorkSize` JSON, ``{"bytes", "words"}``.

Both are null for a URL that was not stored. A licence never changes the decision.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tdm_crawler.policy.license_reading import LicenseReading
from tdm_crawler.policy.spdx import LicenseClass

__all__ = ["WorkFacts", "WorkSize", "check_license_json", "check_size_json"]

_CLASSES = frozenset(c.value for c in LicenseClass)


@dataclass(frozen=True, slots=True)
class WorkSize:
    """``bytes``: the body as a reader sees it (``Content-Encoding`` undone); ``words``:
    the words of its visible text (HTML: the body outside scripts and styles; plain
    text: all of it), None for a kind whose text is not counted (PDF, EPUB, media)."""

    bytes: int
    words: int | None

    def to_json(self) -> dict[str, int | None]:
        return {"bytes": self.bytes, "words": self.words}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> WorkSize:
        check_size_json(data)
        return cls(data["bytes"], data["words"])


@dataclass(frozen=True, slots=True)
class WorkFacts:
    """The two fields a stored work's record gains."""

    license: LicenseReading
    size: WorkSize

    @classmethod
    def of_record(cls, record: Mapping[str, Any]) -> WorkFacts | None:
        """What a decision record says of its work; None when it says nothing (not
        stored, or recorded before these fields). Raises ValueError on another shape."""
        reading, size = record.get("license"), record.get("size")
        if reading is None or size is None:
            return None
        check_license_json(reading)
        try:
            return cls(LicenseReading.from_json(reading), WorkSize.from_json(size))
        except (KeyError, TypeError) as exc:
            raise ValueError(f"license cannot be read ({exc!r}): {reading!r}") from None


def _count(value: Any) -> bool:
    return type(value) is int and value >= 0


def check_size_json(data: Any) -> None:
    """Raise ValueError unless ``data`` is a ``size`` object."""
    if not isinstance(data, Mapping) or not _count(data.get("bytes")):
        raise ValueError(f"size must be {{'bytes': n, 'words': n or null}}, got {data!r}")
    words = data.get("words", 0)
    if words is not None and not _count(words):
        raise ValueError(f"size: 'words' must be a count or null, got {words!r}")


def check_license_json(data: Any) -> None:
    """Raise ValueError unless ``data`` has the shape of a ``license`` object."""
    if not isinstance(data, Mapping):
        raise ValueError(f"license must be an object, got {data!r}")
    missing = [k for k in ("id", "class", "url", "findings", "disagreement") if k not in data]
    if missing:
        raise ValueError(f"license lacks {', '.join(missing)}: {data!r}")
    if data["class"] not in _CLASSES:
        raise ValueError(
            f"license class must be one of {', '.join(sorted(_CLASSES))}, got {data['class']!r}"
        )
    if type(data["findings"]) is not list or type(data["disagreement"]) is not bool:
        raise ValueError(f"license: findings must be a list, disagreement a boolean: {data!r}")
