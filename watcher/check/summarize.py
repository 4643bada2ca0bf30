"""The summary step of the enrichment stage: the team's model on one change (`[summary]`).

Runs before the change's alerts are released (they wait in 'enriching'), within the
policy's deadline. The model is given the change itself (`watcher/summary/grounding.py`);
its answers are stored with the change (`change_summaries`, m014) and reused for the same
input hash and model, so an unchanged input is never sent twice. A timeout, an error, a
429 or a spent hourly budget is recorded as "unavailable" and the alert goes out without
a summary. A channel with `important_when` gets a verdict: "not important" sends the
change to that channel's digest (with the reason) instead of real time.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from watcher.db import crashpoints
from watcher.db.changesummaries import OFF, SUMMARY, StoredAnswer
from watcher.db.store import Store
from watcher.model import Change, Source
from watcher.summary.client import ModelAnswer, Summarizer
from watcher.summary.grounding import PROMPT_VERSION, Grounding, grounded_input
from watcher.summary.settings import SummaryPolicy

logger = logging.getLogger(__name__)
HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class ChannelModel:
    """What one channel asks of the model: summaries (`summary`), a verdict (`important_when`)."""

    summarize: bool = True
    important_when: str = ""


class CallLedger:
    """The model requests this process made in the last hour, counted as they start, so
    changes summarised at the same time share one `max_per_hour` (the database only learns
    of a request once its answer is stored)."""

    def __init__(self) -> None:
        self.born: datetime | None = None  # requests stored before this are counted from the database
        self.calls: deque[datetime] = deque()

    def start(self, now: datetime) -> datetime:
        if self.born is None:
            self.born = now
        return self.born

    def record(self, now: datetime) -> None:
        self.calls.append(now)

    def last_hour(self, now: datetime) -> int:
        while self.calls and self.calls[0] <= now - HOUR:
            self.calls.popleft()
        return len(self.calls)


@dataclass(frozen=True)
class SummaryStage:
    """`[summary]` and each channel's wishes; `env` holds the API key's variable (read per call)."""

    policy: SummaryPolicy
    channels: Mapping[str, ChannelModel] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    ledger: CallLedger = field(default_factory=CallLedger)


def change_links(change: Change, source_url: str) -> set[str]:
    """The links the change itself holds (its documents' links and the source page): a summary
    may keep these and no other. A URL written in page text is not one: a page asking the
    model to spread a link would otherwise get its way."""
    items = [
        *change.added,
        *change.removed,
        *(p.after for p in change.changed),
        *(p.before for p in change.changed),
    ]
    return {item.link for item in items if item.link} | {source_url}


def verdict_hash(grounding: Grounding, criteria: str) -> str:
    return hashlib.sha256(f"{grounding.digest}\n{criteria}".encode()).hexdigest()


def _stored(answer: ModelAnswer, input_hash: str, model: str, *, called: bool) -> StoredAnswer:
    return StoredAnswer(
        input_hash=input_hash,
        model=model,
        prompt_version=PROMPT_VERSION,
        status="ok" if answer.ok else "unavailable",
        text=answer.text,
        important=answer.important,
        reason=answer.reason,
        error=answer.error,
        called=called and answer.error != "budget",
    )


async def summarize_change(
    change_id: int, source: Source, *, store: Store, clock: Callable[[], datetime], stage: SummaryStage
) -> None:
    """Summarise and judge one change for the channels waiting for it; store the answers and
    send "not important" ones to their digest. Raises only for bugs (enrich logs them)."""
    if not source.summarize:
        return
    policy = stage.policy
    now = clock()
    waiting = store.held_channels(change_id)
    wanted = [c for c in waiting if stage.channels.get(c, ChannelModel()).summarize]
    for channel in set(waiting) - set(wanted):
        store.save_answer(change_id, channel, StoredAnswer("", policy.model, PROMPT_VERSION, OFF), now)
    change = store.change(change_id)
    if not wanted or change is None:
        return
    info = store.source_info(source.id)
    documents = {item.key: item.text for item in store.change_items(change_id) if item.text}
    grounding = grounded_input(change, info, documents, limit=policy.max_input_chars)
    links = change_links(change, source.url)
    ledger = stage.ledger  # requests of this process (some still waiting for their answer)
    before = store.model_calls_since(now - HOUR, until=ledger.start(now))
    model = Summarizer(
        policy,
        env=stage.env,
        spent_last_hour=lambda: before + ledger.last_hour(clock()) - model.calls,  # its own are in both
        on_call=lambda: ledger.record(clock()),
    )
    asks: dict[str, tuple[str, asyncio.Future[ModelAnswer] | StoredAnswer]] = {}
    try:
        reused = store.reusable_answer(grounding.digest, policy.model)
        summary = reused or asyncio.ensure_future(model.summarize(grounding, links))
        asks[SUMMARY] = (grounding.digest, summary)
        for channel in wanted:
            criteria = stage.channels.get(channel, ChannelModel()).important_when
            if criteria:
                key = verdict_hash(grounding, criteria)
                verdict = store.reusable_answer(key, policy.model)
                asks[channel] = (key, verdict or asyncio.ensure_future(model.judge(grounding, criteria)))
        pending = [ask for _, ask in asks.values() if isinstance(ask, asyncio.Future)]
        if pending:
            await asyncio.gather(*pending)
    except asyncio.CancelledError:  # the check's deadline came first: the alert says so
        late = StoredAnswer(grounding.digest, policy.model, PROMPT_VERSION, "unavailable", error="deadline")
        store.save_answer(change_id, SUMMARY, late, clock())
        raise
    finally:
        for _, ask in asks.values():
            if isinstance(ask, asyncio.Future) and not ask.done():
                ask.cancel()
        await model.aclose()
    not_important = []
    with store.durable():  # the answers and where they send the alerts: all or nothing, committed
        for channel, (key, ask) in asks.items():
            if isinstance(ask, StoredAnswer):
                answer = StoredAnswer(
                    key, ask.model, ask.prompt_version, "ok", ask.text, ask.important, ask.reason
                )
            else:
                answer = _stored(ask.result(), key, policy.model, called=True)
            store.save_answer(change_id, channel, answer, clock())
            if channel != SUMMARY and answer.important is False:
                not_important.append(channel)
        store.send_to_digest(change_id, not_important)
    crashpoints.reached("after_summary")
    logger.info(
        "summarised change %s of %s with %s: %s%s",
        change_id,
        source.id,
        policy.model,
        "reused" if isinstance(asks[SUMMARY][1], StoredAnswer) else "asked",
        f"; not important on {', '.join(not_important)}" if not_important else "",
    )
