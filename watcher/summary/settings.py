"""`[summary]`: the team's own model for change summaries (optional; nothing happens without it)."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SummaryPolicy:
    """[summary]: an OpenAI-compatible chat-completions endpoint that writes a one-paragraph
    summary of each change (a hosted provider, a company gateway, or a local server such as
    Ollama or vLLM). `base_url` (e.g. `https://api.openai.com/v1` or
    `http://127.0.0.1:11434/v1`), `model`, `api_key_env` (the variable holding the key; local
    servers may need none), `max_input_chars` (what the model is given, cut at a sentence),
    `timeout` (seconds for one answer), `max_per_hour` (the budget: past it alerts go out
    without a summary), `max_words` (asked of the model). Every source and channel uses it
    unless it turns it off: a source with `summarize = false`, a channel with `summary = false`.
    """

    base_url: str = ""
    model: str = ""
    api_key_env: str = ""
    max_input_chars: int = 6000
    timeout: float = 20.0
    max_per_hour: int = 60
    max_words: int = 80

    def __post_init__(self) -> None:
        if not self.base_url.startswith(("http://", "https://")):
            raise ValueError("base_url must be the endpoint's http(s) URL, e.g. http://127.0.0.1:11434/v1")
        if not self.model:
            raise ValueError("model must name the model to ask, e.g. llama3.1 or gpt-4o-mini")
        if not 500 <= self.max_input_chars <= 200_000:
            raise ValueError("max_input_chars must be between 500 and 200000")
        if not (math.isfinite(self.timeout) and 0 < self.timeout <= 300):
            raise ValueError("timeout must be more than 0 and at most 300 seconds")
        if not 0 <= self.max_per_hour <= 100_000:
            raise ValueError("max_per_hour must be between 0 and 100000")
        if not 20 <= self.max_words <= 400:
            raise ValueError("max_words must be between 20 and 400")
