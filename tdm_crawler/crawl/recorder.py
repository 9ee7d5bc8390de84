"""The recorder: owns the output directory: decision log, WARC writers, manifest.

Every component that decides or stores goes through this one object (the crawl
session's), so there is a single place where the rule "one record per URL, content only
when allowed" is kept.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterable, Sequence
from contextlib import closing
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scrapy import signals

from tdm_crawler.crawl.config import manifest_settings
from tdm_crawler.crawl.meta import POLICY_FILE_META, RECHECK_META, RECORDED_META
from tdm_crawler.crawl.resume import ResumeState
from tdm_crawler.crawl.urls import original_url
from tdm_crawler.exceptions import SettingError
from tdm_crawler.policy import Context, Decision, Reason, Signal, Verdict
from tdm_crawler.policy.ai_agents import manifest_fields
from tdm_crawler.store import (
    CrawlDir,
    DecisionLog,
    HttpExchange,
    StoredRecord,
    WarcWriter,
    decision_record,
    read_manifest,
)
from tdm_crawler.store.decisions import RECORD_FORMAT
from tdm_crawler.store.evidence import DecisionEvidence, OriginEvidence, SitemapEvidence
from tdm_crawler.store.manifest import (
    SOFTWARE,
    build_manifest,
    manifest_time,
    new_crawl_id,
    save_manifest,
)
from tdm_crawler.store.ownership import refuse_links
from tdm_crawler.store.warcread import ExchangeCopier
from tdm_crawler.store.work import WorkFacts

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

    from tdm_crawler.crawl.claims import Claims

logger = logging.getLogger(__name__)


class TdmRecorder:
    """Writes ``decisions.jsonl``, ``content/``, ``evidence/`` and ``manifest.json``."""

    def __init__(self, crawler: Crawler, claims: Claims, context: Context) -> None:
        settings = crawler.settings
        out = settings.get("TDM_OUTPUT_DIR")
        if not out:
            raise SettingError("TDM_OUTPUT_DIR is not set: tdm-crawler has nowhere to record")
        self.crawler = crawler
        self.out = CrawlDir(Path(out))
        refuse_links(self.out.root)  # before anything is read or written
        previous = read_manifest(self.out.manifest) if self.out.manifest.exists() else None
        self.previous: dict[str, Any] | None = previous
        self.crawl_id: str = (
            previous["crawl_id"] if previous else settings.get("TDM_CRAWL_ID") or new_crawl_id()
        )
        self.agent: str = settings.get("TDM_AGENT")
        self.user_agent: str = settings.get("USER_AGENT")  # as sent
        self.counts: Counter[str] = Counter()
        self.started_at = datetime.now(UTC)
        self._log: DecisionLog | None = None
        self._originals: ExchangeCopier | None = None
        self.resume: ResumeState | None = None
        self.seeds: list[str] = list(previous.get("seeds", [])) if previous else []
        self._content: WarcWriter | None = None
        self._evidence: WarcWriter | None = None
        # URLs whose download started and that have no decision yet (see spider_closed).
        self._pending: set[str] = set()
        self.claims = claims
        self.context = context
        self.profile = context.profile
        self.agents = context.ai_agents
        self.worker_id: str | None = settings.get("TDM_WORKER_ID") or None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self._download_started, signal=signals.request_reached_downloader)

    # -- lifecycle -------------------------------------------------------------------

    def spider_opened(self, spider: Spider) -> None:
        self.out.root.mkdir(parents=True, exist_ok=True)
        # Kept in the manifest so that `--resume` and `recheck` know where the crawl began.
        self.seeds = list(dict.fromkeys([*self.seeds, *getattr(spider, "seed_urls", ())]))
        info = {"crawl-id": self.crawl_id, "http-header-user-agent": self.user_agent}
        # The log cuts a torn last line when it opens, so open it before reading back
        # what earlier sessions decided.
        self._log = DecisionLog(
            self.out.decisions, fsync=self.crawler.settings.getbool("TDM_FSYNC")
        )
        self.resume = ResumeState.load(self.out) if self.previous else None
        if self.resume is not None:
            self.claims.remember(self.resume.decided)
        max_bytes = self.crawler.settings.getint("TDM_WARC_MAX_FILE_BYTES")
        self._content = WarcWriter(
            self.out.content, self.out.content.name, crawl_id=self.crawl_id, software=SOFTWARE,
            max_file_bytes=max_bytes, info=info,
        )  # fmt: skip
        self._evidence = WarcWriter(
            self.out.evidence, self.out.evidence.name, crawl_id=self.crawl_id,
            software=SOFTWARE, max_file_bytes=max_bytes, info=info,
        )  # fmt: skip
        self._write_manifest(status="running")

    def _download_started(self, request: Request) -> None:
        if not request.meta.get(POLICY_FILE_META):
            self._pending.add(original_url(request))

    def spider_closed(self, reason: str) -> None:
        if reason == "finished":
            self._record_lost()
        for writer in (self._log, self._content, self._evidence, self._originals):
            if writer is not None:
                writer.close()
        self._write_manifest(status="finished", finish_reason=reason)
        self.claims.close(reason)  # after the last record: put back what is held

    def _record_lost(self) -> None:
        """Decide the URLs whose download started but whose failure no component saw.

        The gate and the spider's errback record every failure they see; an exception
        raised inside another middleware's response handling (or a spider without our
        errback, as with the add-on) can still end a request silently. A crawl that ran
        to completion has nothing in flight, so such URLs are recorded as errors here:
        every URL the crawl meant to fetch gets exactly one record. (An interrupted crawl
        leaves them undecided, to be fetched again on --resume.)
        """
        detail = "the download ended without a response or a recorded failure"
        verdict = Verdict(
            Decision.ERROR,
            Reason.FETCH_FAILED,
            signals=(Signal("http", "transport", None, detail),),
            purpose=self.profile.purpose,
        )
        for url in sorted(self._pending):
            logger.warning("%s: %s", url, detail)
            self._write_record(url, url, None, verdict, None, None)

    # -- writing ---------------------------------------------------------------------

    def record_request(
        self,
        request: Request,
        verdict: Verdict,
        *,
        status: int | None,
        final_url: str,
        evidence: DecisionEvidence | None = None,
        stored: dict[str, str] | None = None,
        work: WorkFacts | None = None,
    ) -> None:
        """Write the one decision record of ``request``'s original URL (idempotent);
        ``work``: a stored work's licence and size."""
        if request.meta.get(RECORDED_META):
            return
        request.meta[RECORDED_META] = True
        if stored is not None and not verdict.allowed:
            raise ValueError(f"refusing to mark {request.url} stored: {verdict.decision}")
        url = original_url(request)
        self._write_record(url, final_url, status, verdict, evidence, stored, work)

    def already_decided(self, url: str) -> bool:
        return self.claims.is_decided(url)

    def _write_record(
        self,
        url: str,
        final_url: str,
        status: int | None,
        verdict: Verdict,
        evidence: DecisionEvidence | None,
        stored: dict[str, str] | None,
        work: WorkFacts | None = None,
    ) -> None:
        self._pending.discard(url)
        if not self.claims.claim(url):
            logger.debug("%s: decided by another worker", url)
            self.claims.release(url)
            return
        record = decision_record(
            url=url,
            final_url=final_url,
            status=status,
            verdict=verdict,
            stored=stored is not None,
            content_sha256=stored["sha256"] if stored else None,
            warc_record_id=stored["record_id"] if stored else None,
            fetched_at=datetime.now(UTC),
            crawl_id=self.crawl_id,
            evidence=evidence,
            work=work if stored is not None else None,
        )
        assert self._log is not None, "spider not opened"
        self._log.write(record)
        # A stored page is still held until its links are queued (the spider follows).
        self.claims.done(url, release=stored is None)
        self.counts[f"decision/{verdict.decision}"] += 1
        self.counts[f"reason/{verdict.reason}"] += 1
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"tdm/decision/{verdict.decision}")
            stats.inc_value(f"tdm/reason/{verdict.reason}")
        level = logging.DEBUG if verdict.allowed else logging.INFO
        logger.log(level, "%s %s (%s)", verdict.decision, record["url"], verdict.reason)

    def store(
        self,
        request: Request,
        exchange: HttpExchange,
        verdict: Verdict,
        evidence: DecisionEvidence | None = None,
        work: WorkFacts | None = None,
    ) -> None:
        """Write an allowed response to the content WARC, then its decision record
        (with ``work``, the licence and size the gate read from it).

        The second lock of "nothing reserved is ever written": whatever called us, a
        verdict other than ``allowed`` is refused here.
        """
        if verdict.decision is not Decision.ALLOWED:
            raise ValueError(f"refusing to store {request.url}: decision {verdict.decision}")
        if request.meta.get(RECORDED_META):
            return
        if not self.claims.claim(original_url(request)):
            request.meta[RECORDED_META] = True  # another worker decided it: write nothing
            return
        assert self._content is not None, "spider not opened"
        stored = self._content.write_exchange(exchange)
        self._content.write_metadata(
            "decision",
            exchange.url,
            {"decision": verdict.decision, "reason": verdict.reason, "crawl_id": self.crawl_id},
            refers_to=stored,
        )
        self.record_request(
            request,
            verdict,
            status=exchange.status,
            final_url=exchange.url,
            evidence=evidence,
            stored={"sha256": stored.payload_sha256, "record_id": stored.record_id},
            work=work,
        )
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value("tdm/stored_bytes", len(exchange.body))

    def keep_original(
        self,
        request: Request,
        verdict: Verdict,
        evidence: DecisionEvidence | None,
        *,
        status: int,
        final_url: str,
    ) -> None:
        """Recheck: the URL is still allowed, so copy the record the source crawl stored
        (not the body fetched now) and decide it as stored under its original id, with
        the licence and size the source recorded for it (null when it recorded none)."""
        if verdict.decision is not Decision.ALLOWED:
            raise ValueError(f"refusing to keep {request.url}: decision {verdict.decision}")
        original = request.meta[RECHECK_META]
        if not self._source_content().copy(original["record_id"]):
            logger.error("%s: stored record %s not found in the source", request.url, original)
            return
        self.record_request(
            request,
            verdict,
            status=status,
            final_url=final_url,
            evidence=evidence,
            stored={"sha256": original["sha256"], "record_id": original["record_id"]},
            work=original.get("work"),
        )

    def carry_over(
        self, records: Iterable[dict[str, Any]], evidence: Sequence[Path], evidence_ids: set[str]
    ) -> int:
        """Recheck of one origin: write the source crawl's decision records of the other
        stored URLs unchanged, with their stored exchanges and the ``evidence_ids``
        records of the ``evidence`` WARC files they rest on, copied byte for byte, so the
        new directory holds what those records claim. Return how many were carried."""
        assert self._log is not None, "spider not opened"
        content = self._source_content()
        carried = 0
        for record in records:
            record_id = record["warc_record_id"]
            if not content.copy(record_id):
                logger.error(
                    "%s: stored record %s not found in the source", record["url"], record_id
                )
                continue
            self._log.write(record)
            self.claims.remember([record["url"]])
            carried += 1
        copier = ExchangeCopier(evidence, self.out.evidence, wanted=evidence_ids, stop_at_torn=True)
        with closing(copier):
            copier.copy_all()
        return carried

    def _source_content(self) -> ExchangeCopier:
        """Recheck: the copier of the source crawl's stored exchanges into ``content/``."""
        if self._originals is None:
            source = Path(self.crawler.settings.get("TDM_RECHECK_SOURCE"))
            # The source is a finished crawl; a damaged tail only costs what it held.
            sources = CrawlDir(source).content_warcs()
            self._originals = ExchangeCopier(sources, self.out.content, stop_at_torn=True)
        return self._originals

    def write_origin_evidence(self, origin: str, evidence: OriginEvidence | SitemapEvidence) -> str:
        """Write which policy documents an origin's decisions rest on, once per fetch of
        them, as a ``metadata`` record that decision records point to by id; or which
        sitemaps of the origin were read."""
        assert self._evidence is not None, "spider not opened"
        return self._evidence.write_metadata("origin", origin, evidence.to_json())

    def write_evidence(self, exchange: HttpExchange) -> StoredRecord:
        """Write a policy-document response (robots.txt, tdmrep.json, ...) as fetched."""
        assert self._evidence is not None, "spider not opened"
        return self._evidence.write_exchange(exchange)

    # -- manifest --------------------------------------------------------------------

    def _write_manifest(self, *, status: str, finish_reason: str | None = None) -> None:
        settings = self.crawler.settings
        sessions = list(self.previous.get("sessions", [])) if self.previous else []
        session: dict[str, Any] = {"started_at": manifest_time(self.started_at), "status": status}
        if finish_reason is not None:
            session.update(finished_at=manifest_time(), finish_reason=finish_reason)
        worker = {"worker_id": self.worker_id} if self.worker_id else {}
        manifest = build_manifest(
            crawl_id=self.crawl_id,
            status=status,
            started_at=self.previous["started_at"] if self.previous else session["started_at"],
            finished_at=session.get("finished_at"),
            seeds=self.seeds,
            settings=manifest_settings(settings),
            agent=self.agent,
            user_agent=self.user_agent,
            sessions=[*sessions, session],
            # What the crawl decided for: replay decides for it unless told otherwise.
            profile=self.profile.to_json(),
            # A resumed crawl keeps the format it began with: its old records lack
            # what a later format adds.
            record_format=self.previous.get("record_format", 1) if self.previous else RECORD_FORMAT,
            **manifest_fields(self.agents),
            # The lists themselves, so that a replay excludes again, offline, what the
            # crawl excluded; their digests say which lists they were.
            excluded_sources=self.context.excluded.to_json(),
            **worker,
        )
        # Sealed over the closed files, so `tdm-crawl verify` detects any later change.
        save_manifest(self.out, manifest, seal=status == "finished")
