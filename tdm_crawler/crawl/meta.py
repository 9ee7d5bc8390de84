"""The ``request.meta`` keys tdm-crawler's components use to talk to each other.

One place, so that a reader sees the whole protocol between middlewares, spider and
recorder, and no module has to import another just for a key.
"""

#: Marks a policy-document fetch (robots.txt, tdmrep.json, licence, policy); value: kind.
POLICY_FILE_META = "tdm_policy_file"
#: Stop reading the body after this many bytes (robots.txt).
TRUNCATE_META = "tdm_truncate_at"
#: The :class:`~tdm_crawler.policy.Verdict` of a response that passed the gate.
VERDICT_META = "tdm_verdict"
#: The evidence of that verdict, for its decision record
#: (:class:`~tdm_crawler.store.evidence.DecisionEvidence`).
EVIDENCE_META = "tdm_evidence"
#: The licence and size of an allowed response, for its decision record
#: (:class:`~tdm_crawler.store.work.WorkFacts`; None when not read).
WORK_META = "tdm_work"
#: Set once a request's decision has been written.
RECORDED_META = "tdm_recorded"
#: What the original crawl stored for a URL being rechecked (record id, digest, and the
#: stored work's licence and size as it recorded them).
RECHECK_META = "tdm_recheck"
#: Distributed mode: a URL already decided by a worker that died before its links were
#: queued; fetch it again only to follow its links (nothing is recorded or stored twice).
RELINK_META = "tdm_relink"
