"""What the deliverer (`alerts.outbox.deliver_due`) tells its observers: one `DeliveryEvent`
per send a channel accepted or refused. Observers (the service's metrics) subscribe with
`deliver_due(..., on_delivery=[hook])`; channels stay as they are, never wrapped."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DeliveryEvent:
    """One send to a channel: accepted (`ok`), or refused with a `DeliveryError`."""

    channel: str
    ok: bool
    retryable: bool = False  # for a refused send: will it be tried again?


DeliveryHook = Callable[[DeliveryEvent], None]


def tell(hooks: Iterable[DeliveryHook], event: DeliveryEvent) -> None:
    """Pass `event` to each hook; an observer that fails never changes a delivery."""
    for hook in hooks:
        try:
            hook(event)
        except Exception:
            logger.exception("delivery hook %r failed", hook)
