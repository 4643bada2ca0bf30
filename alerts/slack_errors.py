"""How regwatch reads Slack's answers: an error code, a hint for the operator, and whether
(and when) to try again — retryable, in doubt (Slack may have posted it), or final.

Pure functions of the answer, shared by the `slack` channel and `regwatch doctor`.
"""

from __future__ import annotations

import re
import socket
from urllib.error import URLError

from slack_sdk.errors import SlackApiError

from watcher.errors import DeliveryError

ERROR_CODE = re.compile(r"^[a-z0-9_.]{1,60}$")
# Slack errors that say the request reached Slack and may have been partly carried out.
IN_DOUBT_ERRORS = {"internal_error", "fatal_error"}
TRANSIENT_ERRORS = {"ratelimited", "service_unavailable", "request_timeout", "team_added_to_org"}
THREAD_ERRORS = {"thread_not_found", "invalid_thread_ts", "message_not_found"}
HINTS = {
    "invalid_auth": "the token in ${env} is not valid; create a new bot token and export it",
    "not_authed": "no token was sent; export the bot token in ${env}",
    "account_inactive": "the bot's token belongs to a deactivated app or user; reinstall the app",
    "token_revoked": "the token in ${env} was revoked; reinstall the app and export the new token",
    "token_expired": "the token in ${env} expired; export a fresh token",
    "no_permission": "the app lacks permission for this channel",
    "missing_scope": "add the chat:write bot scope to the Slack app and reinstall it",
    "not_allowed_token_type": "use a bot token (xoxb-...)",
    "channel_not_found": "check slack_channel; for a private channel, invite the bot first",
    "not_in_channel": "invite the bot to the channel (/invite @your-app) or add chat:write.public",
    "is_archived": "the channel is archived; pick another slack_channel",
    "invalid_blocks": "Slack rejected the message layout",
    "invalid_blocks_format": "Slack rejected the message layout",
    "msg_too_long": "the message is too long for Slack",
    "restricted_action": "a workspace setting prevents the bot from posting here",
    "ekm_access_denied": "the workspace's encryption keys deny access",
    "invalid_payload": "Slack rejected the message",
    "no_service": "the incoming webhook was removed; create a new one and export its URL in ${env}",
    "no_active_hooks": "the incoming webhook was disabled",
    "action_prohibited": "a workspace admin restricts posting to this channel",
    "channel_is_archived": "the webhook's channel is archived",
    "invalid_token": "the webhook URL in ${env} is not valid",
}


def api_error(exc: SlackApiError) -> str:
    """Slack's error code (`invalid_auth`), or "" for an answer that is not Slack's JSON."""
    data = exc.response.data
    error = str(data.get("error") or "") if isinstance(data, dict) else ""
    return error if ERROR_CODE.match(error) else ""


def classify(
    where: str, channel: str, env: str, status: int, error: str, retry_after: float | None
) -> DeliveryError:
    """One Slack answer -> a DeliveryError that says whether, and when, to try again."""
    hint = HINTS.get(error, "").replace("${env}", env)
    text = f"{where}: Slack answered HTTP {status}" + (f" {error}" if error else "")
    if hint:
        text += f" ({hint})"
    if status == 429 or error == "ratelimited":
        return DeliveryError(text, channel=channel, retryable=True, retry_after=retry_after or 30.0)
    if error in IN_DOUBT_ERRORS or status in (500, 502, 504):
        return DeliveryError(text, channel=channel, retryable=True, retry_after=retry_after, in_doubt=True)
    if status >= 500 or error in TRANSIENT_ERRORS or status in (408, 425):
        return DeliveryError(text, channel=channel, retryable=True, retry_after=retry_after)
    return DeliveryError(text, channel=channel, retryable=False)


def transport_error(where: str, channel: str, host: str, timeout: float, exc: BaseException) -> DeliveryError:
    """Network trouble. URLError = failed while connecting or sending (not delivered);
    anything later (timeout, reset, bad answer) may have been delivered: in doubt."""
    if isinstance(exc, URLError):
        reason = exc.reason
        what = type(reason).__name__ if isinstance(reason, BaseException) else str(reason)[:80]
        return DeliveryError(f"{where}: cannot reach {host}: {what}", channel=channel, retryable=True)
    if isinstance(exc, TimeoutError | socket.timeout):
        what = f"no answer from {host} within {timeout:g}s"
    else:
        what = f"connection to {host} failed: {type(exc).__name__}"
    return DeliveryError(f"{where}: {what}", channel=channel, retryable=True, in_doubt=True)
