"""Writers and readers of the crawl directory (docs/interface.md, "The crawl directory").

- :mod:`.warc` - rotating WARC 1.1 writer for ``content/`` and ``evidence/``.
- :mod:`.decisions` - ``decisions.jsonl``: building, validating, appending, reading records.
- :mod:`.manifest` - ``manifest.json``: atomic writes, dependency versions, file digests.

Plain Python and warcio only (no Scrapy), so report, replay and verify tools can use it.
"""

from tdm_crawler.store.decisions import (
    RECORD_FIELDS,
    DecisionLog,
    TornLineWarning,
    decision_record,
    format_timestamp,
    iter_records,
    validate_record,
)
from tdm_crawler.store.manifest import (
    DEFAULT_DIGEST_PATTERNS,
    dependency_versions,
    file_digests,
    read_manifest,
    write_manifest,
)
from tdm_crawler.store.warc import WARC_VERSION, HttpExchange, StoredRecord, WarcWriter

__all__ = [
    "DEFAULT_DIGEST_PATTERNS",
    "RECORD_FIELDS",
    "WARC_VERSION",
    "DecisionLog",
    "HttpExchange",
    "StoredRecord",
    "TornLineWarning",
    "WarcWriter",
    "decision_record",
    "dependency_versions",
    "file_digests",
    "format_timestamp",
    "iter_records",
    "read_manifest",
    "validate_record",
    "write_manifest",
]
