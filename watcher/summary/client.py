"""Asking the team's model: any OpenAI-compatible chat-completions endpoint, via `openai`.

Every call has a deadline and counts against the hourly budget; a timeout, a refusal, a 429
or a spent budget is an answer too (`ModelAnswer.error`), so the alert goes out without a
summary instead of waiting. The API key is read from the environment when a call is made
and never logged or stored.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from watcher.summary.grounding import (
    Grounding,
    importance_messages,
    parse_importance,
    summary_messages,
)
from watcher.summary.safety import clean_summary
from watcher.summary.settings import SummaryPolicy

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ModelAnswer:
    """What the model said about one change, or why it said nothing."""

    text: str = ""
    important: bool | None = None
    reason: str = ""
    error: str = ""  # "" | timeout | rate_limited | budget | unreachable | HTTP 500 | empty | unreadable

    @property
    def ok(self) -> bool:
        return not self.error


class Summarizer:
    """Summaries and importance judgements from one configured model."""

    def __init__(
        self,
        policy: SummaryPolicy,
        *,
        env: Mapping[str, str],
        spent_last_hour: Callable[[], int] = lambda: 0,
        client: Any = None,
        on_call: Callable[[], None] = lambda: None,
    ) -> None:
        self.policy = policy
        self.env = env
        self.spent_last_hour = spent_last_hour
        self.on_call = on_call  # hears of each request as it is made (a budget shared by many)
        self._client = client
        self.calls = 0

    def client(self) -> Any:
        if self._client is None:
            from openai import AsyncOpenAI  # loaded only when a summary is asked for

            key = self.env.get(self.policy.api_key_env, "") if self.policy.api_key_env else ""
            self._client = AsyncOpenAI(
                base_url=self.policy.base_url,
                api_key=key or "not-needed",  # local servers take any key
                timeout=self.policy.timeout,
                max_retries=0,  # one try within the deadline; the alert never waits for retries
            )
        return self._client

    async def _ask(self, messages: list[dict[str, str]], *, max_tokens: int) -> tuple[str, str]:
        """(answer, error) for one chat completion within the policy's deadline."""
        if self.calls + self.spent_last_hour() >= self.policy.max_per_hour:
            return "", "budget"
        self.calls += 1
        self.on_call()
        import openai

        try:
            response = await asyncio.wait_for(
                self.client().chat.completions.create(
                    model=self.policy.model, messages=messages, max_tokens=max_tokens, temperature=0
                ),
                timeout=self.policy.timeout,
            )
        except (TimeoutError, openai.APITimeoutError):
            return "", "timeout"
        except openai.RateLimitError:
            return "", "rate_limited"
        except openai.APIStatusError as exc:
            return "", f"HTTP {exc.status_code}"
        except openai.APIConnectionError:
            return "", "unreachable"
        except openai.OpenAIError as exc:
            return "", f"error: {type(exc).__name__}"
        try:
            text = response.choices[0].message.content or ""
        except (AttributeError, IndexError, TypeError):
            return "", "unreadable"
        return (text, "") if text.strip() else ("", "empty")

    async def summarize(self, grounding: Grounding, allowed_links: Iterable[str]) -> ModelAnswer:
        words = self.policy.max_words
        text, error = await self._ask(summary_messages(grounding, words=words), max_tokens=words * 3)
        if error:
            logger.warning("summary unavailable (%s) from model %s", error, self.policy.model)
            return ModelAnswer(error=error)
        return ModelAnswer(text=clean_summary(text, allowed_links))

    async def judge(self, grounding: Grounding, criteria: str) -> ModelAnswer:
        text, error = await self._ask(importance_messages(grounding, criteria), max_tokens=120)
        if error:
            return ModelAnswer(error=error)
        verdict = parse_importance(text)
        if verdict is None:
            return ModelAnswer(error="unreadable")
        important, reason = verdict
        return ModelAnswer(important=important, reason=clean_summary(reason, ()))

    async def aclose(self) -> None:
        if self._client is not None:
            await self._client.close()
