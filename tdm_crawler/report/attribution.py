"""``ATTRIBUTION.csv`` and ``ATTRIBUTION.md``: the credits a corpus owes, as files.

The CSV is for tools (one row per work, columns in :data:`CSV_COLUMNS`); the Markdown is
for people and for publishing with the corpus: one section per licence, a line per work
(title, author, source URL), share-alike terms said once per licence. A work whose author
was not found is listed as such, so a publisher can look for it. Both files are created,
never overwritten: a second run is refused before anything is written.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from tdm_crawler.corpus.attribution import AttributionRow
from tdm_crawler.report.escape import csv_cell, markdown_text
from tdm_crawler.store.safe_open import make_dir, open_new

__all__ = ["CSV_COLUMNS", "AttributionFiles", "attribution_paths", "write_attribution"]

CSV_NAME: Final = "ATTRIBUTION.csv"
MD_NAME: Final = "ATTRIBUTION.md"
CSV_COLUMNS: Final = (
    "url",
    "title",
    "author",
    "author_found_in",
    "license_id",
    "license_name",
    "license_url",
    "share_alike",
)
NOT_FOUND: Final = "author not found"


@dataclass
class AttributionFiles:
    """What :func:`write_attribution` wrote."""

    csv_path: Path
    md_path: Path
    works: int = 0
    without_author: int = 0
    by_licence: dict[str, list[AttributionRow]] = field(default_factory=dict)


def attribution_paths(out: Path) -> tuple[Path, Path]:
    """Where the two files go in ``out``; FileExistsError if either is there already."""
    paths = (out / CSV_NAME, out / MD_NAME)
    for path in paths:
        if path.exists() or path.is_symlink():
            raise FileExistsError(f"{path} exists; remove it or choose another --out")
    return paths


def write_attribution(rows: Iterable[AttributionRow], out: Path, *, title: str) -> AttributionFiles:
    """Write both files into ``out`` (created if needed). The CSV streams; the Markdown,
    grouped by licence, is written once every row is known (rows hold a URL, a title
    and an author: a few hundred bytes a work)."""
    csv_path, md_path = attribution_paths(out)
    if not out.is_dir():  # the directory itself may be a link: the user's choice
        make_dir(out)
    result = AttributionFiles(csv_path, md_path)
    with open_new(csv_path, text=True) as handle:
        writer = csv.writer(handle)
        writer.writerow(CSV_COLUMNS)
        for row in rows:
            credits = row.credits
            result.works += 1
            result.without_author += credits.author is None
            result.by_licence.setdefault(row.licence.id, []).append(row)
            writer.writerow(
                [
                    csv_cell(row.url),
                    csv_cell(credits.title or ""),
                    csv_cell(credits.author or ""),
                    credits.author_source or "",
                    row.licence.id,
                    row.licence.name,
                    csv_cell(row.licence_url),
                    "yes" if row.licence.share_alike else "no",
                ]
            )
    with open_new(md_path, text=True) as handle:
        handle.write(_markdown(result, title))
    return result


def _markdown(result: AttributionFiles, title: str) -> str:
    lines = [
        f"# Attribution: {markdown_text(title)}",
        "",
        f"{result.works:,} works in this corpus are under licences that require their "
        f"authors to be credited; for {result.without_author:,} of them no author was "
        "found in the work (listed as such). Each section names the licence; a "
        "share-alike licence asks that adaptations carry the same licence.",
    ]
    ranked = sorted(result.by_licence.items(), key=lambda item: (-len(item[1]), item[0]))
    for license_id, rows in ranked:
        known = rows[0].licence
        terms = (
            "share-alike: adaptations must carry the same licence"
            if known.share_alike
            else "not share-alike"
        )
        lines += [
            "",
            f"## {markdown_text(known.name)} ({markdown_text(license_id)})",
            "",
            f"{len(rows):,} works; {terms}. Licence: {markdown_text(rows[0].licence_url)}",
            "",
        ]
        for row in rows:
            credits = row.credits
            name = markdown_text(credits.title) if credits.title else "untitled"
            author = markdown_text(credits.author) if credits.author else f"*{NOT_FOUND}*"
            missing = " (stored response missing)" if not row.payload_found else ""
            lines.append(f"- {name}, by {author}: {markdown_text(row.url)}{missing}")
    return "\n".join(lines) + "\n"
