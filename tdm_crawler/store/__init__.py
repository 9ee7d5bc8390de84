"""Writers and readers of the crawl directory (docs/interface.md, "The crawl directory").

``store`` owns the crawl directory: nothing outside it names a file of the layout, reads
a WARC file, parses the decision log or the evidence, or assembles a manifest.

- :mod:`.layout` - :class:`CrawlDir`, the one place that names the directory's files.
- :mod:`.warc` - rotating WARC 1.1 writer for ``content/`` and ``evidence/``.
- :mod:`.warcread` - the one WARC reader: scan, read one payload, copy an exchange.
- :mod:`.repair` - cutting torn and orphaned WARC tails before a crawl resumes.
- :mod:`.decisions` - ``decisions.jsonl``: building, validating, appending, reading records.
- :mod:`.evidence` - the evidence of decisions and origins, as typed values.
- :mod:`.manifest` - ``manifest.json``: the one builder, atomic writes, file digests.
- :mod:`.ownership` - which files of a directory a crawl wrote (what ``--overwrite`` deletes).
- :mod:`.safe_open` - every file written is opened here, never through a symbolic link.

Plain Python and warcio only (no Scrapy), so report, replay and verify tools can use it.
"""

from tdm_crawler.store.decisions import (
    RECORD_FIELDS,
    DecisionLine,
    DecisionLog,
    TornLineWarning,
    decision_lines,
    decision_record,
    format_timestamp,
    iter_records,
    validate_record,
)
from tdm_crawler.store.layout import CrawlDir
from tdm_crawler.store.manifest import (
    build_manifest,
    decision_counts,
    dependency_versions,
    file_digests,
    read_manifest,
    save_manifest,
    write_manifest,
)
from tdm_crawler.store.warc import WARC_VERSION, HttpExchange, StoredRecord, WarcWriter

__all__ = [
    "RECORD_FIELDS",
    "WARC_VERSION",
    "CrawlDir",
    "DecisionLine",
    "DecisionLog",
    "HttpExchange",
    "StoredRecord",
    "TornLineWarning",
    "WarcWriter",
    "build_manifest",
    "decision_counts",
    "decision_lines",
    "decision_record",
    "dependency_versions",
    "file_digests",
    "format_timestamp",
    "iter_records",
    "read_manifest",
    "save_manifest",
    "validate_record",
    "write_manifest",
]
