"""Live progress of a crawl: a display on a terminal, periodic log lines elsewhere.

``TDM_PROGRESS`` chooses how:

``auto`` (default)
    ``rich`` when stderr is a terminal, else ``log``.
``rich``
    a compact live panel on stderr, redrawn twice a second (decisions per kind,
    responses, origins, stored bytes, URLs/s, queue). While it is shown, Scrapy's log
    lines and anything printed are written above it, so nothing is lost or garbled;
    the last state stays on screen when the crawl ends.
``log``
    one INFO line every ``TDM_PROGRESS_INTERVAL`` seconds, and one when the crawl ends::

        tdm progress: 1234 decided (allowed 800, reserved 300, disallowed 100,
        unknown 10, error 24), 1500 responses, 17 origins, 45.2 URLs/s, queue 310
``off``
    nothing.

Everything shown comes from the crawl's stats (``tdm/decision/*``, written by the
recorder for every decision record, ``response_received_count``, ``tdm/stored_bytes``),
the scheduler (queue) and the downloader (in flight); origins are the distinct origins
of the requests the crawl scheduled or downloaded. Counts are this session's (a resumed
crawl starts from zero). The panel shows numbers and the five decision names only, never
a site's data; the log lines written above it carry site data already escaped by
:mod:`tdm_crawler.crawl.log_filter` (control characters as ``\\uXXXX``), so nothing a
site sent can move the cursor, clear the screen or restyle the panel.
"""

from __future__ import annotations

import atexit
import logging
import os
import sys
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TextIO

from scrapy import signals
from scrapy.exceptions import NotConfigured
from scrapy.utils.asyncio import create_looping_call

from tdm_crawler.policy import Decision
from tdm_crawler.policy.origins import origin_of

if TYPE_CHECKING:
    from typing import Self

    from rich.console import Console, RenderableType
    from rich.live import Live
    from scrapy import Request
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

MODES = ("auto", "rich", "log", "off")

#: Seconds between two redraws of the live display.
REFRESH_SECONDS = 0.5

#: Seconds of history behind the live display's URLs/s (a moving rate, not the average).
RATE_WINDOW = 5.0

_STYLES = {
    Decision.ALLOWED: "green",
    Decision.RESERVED: "yellow",
    Decision.DISALLOWED: "red",
    Decision.UNKNOWN: "magenta",
    Decision.ERROR: "bold red",
}


def stream_is_terminal(stream: TextIO | None) -> bool:
    """True for an interactive terminal that can be redrawn (not a file, pipe or dumb TERM)."""
    try:
        tty = stream is not None and stream.isatty()
    except (AttributeError, ValueError):  # closed or not a real stream
        return False
    return bool(tty) and os.environ.get("TERM", "") != "dumb"


def choose_mode(setting: Any, stderr: TextIO | None) -> str:
    """The mode ``TDM_PROGRESS`` asks for, ``auto`` resolved against ``stderr``."""
    if setting is True or setting is None:
        setting = "auto"
    elif setting is False:
        setting = "off"
    mode = str(setting).strip().lower()
    if mode not in MODES:
        raise ValueError(f"TDM_PROGRESS must be one of {', '.join(MODES)}; got {setting!r}")
    if mode == "auto":
        return "rich" if stream_is_terminal(stderr) else "log"
    return mode


@dataclass(frozen=True)
class Snapshot:
    """What the crawl has done so far, read from its stats at one moment."""

    decisions: dict[str, int]
    responses: int
    stored_bytes: int
    origins: int
    queue: int | None
    in_flight: int
    elapsed: float

    @property
    def decided(self) -> int:
        return sum(self.decisions.values())


class TdmProgress:
    """Scrapy extension showing a crawl's progress (see the module docstring)."""

    #: The console the live display draws on; ``None``: a new one on stderr. Tests set it.
    console: ClassVar[Console | None] = None

    def __init__(self, crawler: Crawler, mode: str, interval: float) -> None:
        self.crawler = crawler
        self.mode = mode
        self.interval = interval
        self._origins: set[str] = set()
        self._started = time.monotonic()
        self._task: Any = None
        self._live: Live | None = None
        self._rerouted: list[tuple[logging.StreamHandler[Any], Any]] = []
        self._last: tuple[float, int] = (self._started, 0)
        self._samples: deque[tuple[float, int]] = deque()
        self.finished: str | None = None
        crawler.signals.connect(self.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)
        crawler.signals.connect(self._seen, signal=signals.request_scheduled)
        crawler.signals.connect(self._seen, signal=signals.request_reached_downloader)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Self:
        settings = crawler.settings
        mode = choose_mode(settings.get("TDM_PROGRESS", "auto"), sys.stderr)
        if mode == "off":
            raise NotConfigured("TDM_PROGRESS is off")
        interval = settings.getfloat("TDM_PROGRESS_INTERVAL", 10.0)
        if interval <= 0:
            raise ValueError(f"TDM_PROGRESS_INTERVAL must be more than 0 s; got {interval}")
        if mode == "rich" and cls.console is None:
            try:
                import rich  # noqa: F401
            except ImportError:
                logger.warning("TDM_PROGRESS: rich is not installed; logging progress instead")
                mode = "log"
        return cls(crawler, mode, interval)

    # -- what is counted -------------------------------------------------------------

    def _seen(self, request: Request) -> None:
        self._origins.add(origin_of(request.url))

    def snapshot(self) -> Snapshot:
        stats = self.crawler.stats
        values: dict[str, Any] = dict(stats.get_stats()) if stats is not None else {}
        decisions = {str(d): int(values.get(f"tdm/decision/{d}", 0)) for d in Decision}
        queue: int | None = None
        in_flight = 0
        engine = getattr(self.crawler, "engine", None)
        scheduler = getattr(engine, "scheduler", None) if engine is not None else None
        if scheduler is not None:
            try:
                queue = len(scheduler)
            except TypeError:  # a scheduler without __len__
                queue = None
        if queue is None and "scheduler/enqueued" in values:
            queue = max(0, values["scheduler/enqueued"] - values.get("scheduler/dequeued", 0))
        downloader = getattr(engine, "downloader", None) if engine is not None else None
        if downloader is not None:
            in_flight = len(getattr(downloader, "active", ()))
        return Snapshot(
            decisions=decisions,
            responses=int(values.get("response_received_count", 0)),
            stored_bytes=int(values.get("tdm/stored_bytes", 0)),
            origins=len(self._origins),
            queue=queue,
            in_flight=in_flight,
            elapsed=time.monotonic() - self._started,
        )

    # -- lifecycle -------------------------------------------------------------------

    def spider_opened(self) -> None:
        self._started = time.monotonic()
        self._last = (self._started, 0)
        if self.mode == "rich":
            self._start_live()
            self._task = create_looping_call(self._refresh)
            self._task.start(REFRESH_SECONDS, now=False)
        else:
            self._task = create_looping_call(self._log_line)
            self._task.start(self.interval, now=False)

    def spider_closed(self, reason: str) -> None:
        self.finished = reason
        self._stop_task()
        if self.mode == "rich":
            if self._live is not None:  # the last state stays on screen, with the average rate
                self._live.update(self.renderable(), refresh=True)
            self._stop_live()
        else:
            logger.info("%s", self.final_line(self.snapshot(), reason))

    def engine_stopped(self) -> None:
        """Never leave the terminal redirected, even when the spider did not close cleanly."""
        self._stop_task()
        self._stop_live()

    def _stop_task(self) -> None:
        if self._task is not None and self._task.running:
            self._task.stop()
        self._task = None

    # -- log mode --------------------------------------------------------------------

    def _log_line(self) -> None:
        snap = self.snapshot()
        now = time.monotonic()
        then, decided_then = self._last
        rate = (snap.decided - decided_then) / (now - then) if now > then else 0.0
        self._last = (now, snap.decided)
        logger.info("%s", self.line(snap, rate))

    @staticmethod
    def _counts(snap: Snapshot) -> str:
        kinds = ", ".join(f"{kind} {n}" for kind, n in snap.decisions.items())
        return (
            f"{snap.decided} decided ({kinds}), {snap.responses} responses, {snap.origins} origins"
        )

    @classmethod
    def line(cls, snap: Snapshot, rate: float) -> str:
        queue = "?" if snap.queue is None else str(snap.queue)
        return f"tdm progress: {cls._counts(snap)}, {rate:.1f} URLs/s, queue {queue}"

    @classmethod
    def final_line(cls, snap: Snapshot, reason: str) -> str:
        rate = snap.decided / snap.elapsed if snap.elapsed > 0 else 0.0
        queue = "?" if snap.queue is None else str(snap.queue)
        return (
            f"tdm progress ({reason}): {cls._counts(snap)}, {rate:.1f} URLs/s average "
            f"over {snap.elapsed:.1f} s, queue {queue}"
        )

    # -- rich mode -------------------------------------------------------------------

    def _rate(self, snap: Snapshot) -> float:
        """URLs decided per second over the last few seconds."""
        now = time.monotonic()
        self._samples.append((now, snap.decided))
        while len(self._samples) > 2 and now - self._samples[0][0] > RATE_WINDOW:
            self._samples.popleft()
        then, decided_then = self._samples[0]
        if now - then < 1e-3:
            return snap.decided / snap.elapsed if snap.elapsed > 0 else 0.0
        return (snap.decided - decided_then) / (now - then)

    def renderable(self, snap: Snapshot | None = None, rate: float | None = None) -> RenderableType:
        """The live panel: totals on the left, decisions per kind on the right.

        ``rate`` is the URLs/s shown; ``None``: the average since the crawl began."""
        from rich.bar import Bar
        from rich.filesize import decimal
        from rich.panel import Panel
        from rich.table import Table
        from rich.text import Text

        snap = snap if snap is not None else self.snapshot()
        if rate is None:
            rate = snap.decided / snap.elapsed if snap.elapsed > 0 else 0.0
        queue = "?" if snap.queue is None else f"{snap.queue:,}"
        totals = [
            ("decided", f"{snap.decided:,}"),
            ("responses", f"{snap.responses:,}"),
            ("origins", f"{snap.origins:,}"),
            ("stored", decimal(snap.stored_bytes)),
            ("URLs/s", f"{rate:.1f}"),
            ("queue", queue),
            ("in flight", f"{snap.in_flight:,}"),
        ]
        table = Table.grid(padding=(0, 1))
        table.add_column(style="bold")
        table.add_column(justify="right", min_width=10)
        table.add_column(width=2)
        table.add_column(min_width=10)
        table.add_column(justify="right", min_width=9)
        table.add_column(width=20)
        kinds = list(snap.decisions.items())
        biggest = max([n for _, n in kinds] + [1])
        for index in range(max(len(totals), len(kinds))):
            label, value = totals[index] if index < len(totals) else ("", "")
            if index < len(kinds):
                kind, count = kinds[index]
                style = _STYLES.get(Decision(kind), "")
                cells: list[Any] = [
                    Text(kind, style=style),
                    f"{count:,}",
                    Bar(biggest, 0, count, color=style.split()[-1], width=20),
                ]
            else:
                cells = ["", "", ""]
            table.add_row(label, value, "", *cells)
        minutes, seconds = divmod(int(snap.elapsed), 60)
        hours, minutes = divmod(minutes, 60)
        if self.finished is None:
            state = "crawling"
        else:
            state = "finished" if self.finished == "finished" else f"closed: {self.finished}"
        return Panel(
            table,
            title="[bold]tdm-crawl[/bold]",
            subtitle=f"{state}, {hours}:{minutes:02d}:{seconds:02d}",
            expand=False,
        )

    def _refresh(self) -> None:
        if self._live is not None:
            snap = self.snapshot()
            self._live.update(self.renderable(snap, self._rate(snap)), refresh=True)

    def _start_live(self) -> None:
        from rich.console import Console
        from rich.live import Live

        # soft_wrap: log lines printed above the display keep their own line breaks.
        console = type(self).console or Console(stderr=True, soft_wrap=True)
        stderr, stdout = sys.stderr, sys.stdout
        self._live = Live(
            self.renderable(),
            console=console,
            auto_refresh=False,  # redrawn by our looping call, in the reactor's thread
            redirect_stdout=True,
            redirect_stderr=True,
            transient=False,
        )
        self._live.start(refresh=True)
        atexit.register(self._stop_live)
        # Scrapy's log handler holds the stream it was given (the real stderr), so the
        # redirection above would not reach it: point it at the proxies while we draw.
        proxies = {id(stderr): sys.stderr, id(stdout): sys.stdout}
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler
            ):
                proxy = proxies.get(id(handler.stream))
                if proxy is not None and proxy is not handler.stream:
                    self._rerouted.append((handler, handler.setStream(proxy)))

    def _stop_live(self) -> None:
        for handler, stream in reversed(self._rerouted):
            handler.setStream(stream)
        self._rerouted.clear()
        live, self._live = self._live, None
        if live is not None:
            atexit.unregister(self._stop_live)
            live.stop()
