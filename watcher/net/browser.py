"""Fetch a page through headless Chromium (Playwright driving the system's Chromium), for
regulator sites that build their content with JavaScript (`render = "browser"`).

Only the system browser is used (`/usr/bin/chromium`, the Debian package `chromium`,
or `$REGWATCH_CHROMIUM`), never one downloaded by `playwright install`. Each render
launches a fresh browser (no state between checks) with a bounded number at once. Every
request the page makes goes through the same policy as plain fetches, before Chromium
sends it: only http(s), no private addresses unless the source allows them (including
the IPv6 spellings of private IPv4, watcher/net/addresses.py); images, media and fonts
are skipped. Navigations (the main document and frames) are fetched by the router with
redirects off, and each redirect target is checked before Chromium follows it, so a
redirect to an internal address is never requested. WebSockets are closed without
connecting. The source's `headers` go only to its own origin (watcher/net/origin.py).

Known limit: Chromium resolves names itself, so for sub-resources the guard checks a name
and Chromium may connect to a later DNS answer (plain fetches pin the vetted address).
The result is a `FetchResult` like any other fetch, so extraction and bot-wall checks
do not care how the page was obtained.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import shutil
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from watcher.errors import FetchError, Reason
from watcher.model import FetchResult
from watcher.net.addresses import IPAddress, http_target, is_public, vet
from watcher.net.failures import bot_wall_error, http_error
from watcher.net.fetch import REDIRECTS, FetchPolicy, Request, redirect_target
from watcher.net.origin import may_carry_headers
from watcher.settings import resolve

logger = logging.getLogger(__name__)

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/lib/chromium/chromium")
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-background-timer-throttling",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-extensions",
    "--disable-sync",
    "--disable-breakpad",
    "--metrics-recording-only",
    "--mute-audio",
    "--no-first-run",
    "--no-default-browser-check",
    "--password-store=basic",
    # The router fulfills navigations itself, so Chromium sees every document as coming from
    # no address ("public") and would block its requests to private ones (Local/Private
    # Network Access). Our guard decides that instead, with the source's `allow_private`.
    "--disable-features=LocalNetworkAccessChecks,BlockInsecurePrivateNetworkRequests,"
    "PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults",
)
SKIPPED_RESOURCES = frozenset(["image", "media", "font"])
SETTLE_SECONDS = 5.0


def find_chromium() -> str | None:
    """The system Chromium: $REGWATCH_CHROMIUM, else the Debian/Ubuntu locations, else PATH."""
    configured = resolve("chromium").value
    if configured:
        return configured if os.access(configured, os.X_OK) else None
    for path in CHROMIUM_CANDIDATES:
        if os.access(path, os.X_OK):
            return path
    return shutil.which("chromium") or shutil.which("chromium-browser")


def unavailable_reason() -> str | None:
    """Why browser rendering cannot work here, naming every missing piece (None when it can)."""
    missing = []
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing.append("Playwright is not installed (pip install 'regwatch[browser]')")
    if find_chromium() is None:
        missing.append("no system Chromium found (install the 'chromium' package, e.g. .ci/install-chromium)")
    return "; ".join(missing) or None


class BrowserRenderer:
    """Renders pages in headless Chromium; at most `concurrency` browsers at once."""

    def __init__(
        self,
        policy: FetchPolicy | None = None,
        *,
        concurrency: int = 2,
        address_allowed: Callable[[IPAddress], bool] = is_public,
    ) -> None:
        self.policy = policy or FetchPolicy()
        self._slots = asyncio.Semaphore(concurrency)
        self.address_allowed = address_allowed

    async def _check_url(self, url: str, request: Request) -> None:
        """FetchError unless `url` is http(s) and (unless allowed private) on a public address."""
        host, port = http_target(url)
        if not request.allow_private:
            await vet(host, port, allowed=self.address_allowed)

    async def render(self, request: Request, wait_for: str | None = None) -> FetchResult:
        """Load `request.url` in a fresh browser and return the rendered HTML."""
        reason = unavailable_reason()
        if reason:
            raise FetchError(
                f"cannot render {request.url} in a browser: {reason}", reason=Reason.BROWSER, retryable=False
            )
        timeout = min(request.timeout or self.policy.timeout, self.policy.timeout)
        await self._check_url(request.url, request)
        async with self._slots:
            started = time.monotonic()
            try:
                async with asyncio.timeout(timeout + 5):
                    return await self._render(request, wait_for, timeout, started)
            except TimeoutError as exc:
                raise FetchError(
                    f"browser timed out after {timeout:g}s loading {request.url}", reason=Reason.TIMEOUT
                ) from exc

    async def _render(
        self, request: Request, wait_for: str | None, timeout: float, started: float
    ) -> FetchResult:
        from playwright.async_api import Error as PlaywrightError
        from playwright.async_api import async_playwright

        blocked: list[FetchError] = []  # what the router refused, to report the right reason
        try:
            async with async_playwright() as playwright:
                browser = await playwright.chromium.launch(
                    executable_path=find_chromium(),
                    headless=True,
                    args=list(CHROMIUM_ARGS),
                    timeout=timeout * 1000,
                )
                try:
                    context = await browser.new_context(
                        user_agent=self.policy.user_agent,
                        accept_downloads=False,
                        java_script_enabled=True,
                        service_workers="block",
                    )
                    await context.route_web_socket(re.compile(".*"), _refuse_web_socket)
                    page = await context.new_page()
                    hops: list[str] = []
                    await page.route("**/*", self._guard(request, blocked, timeout, hops))
                    response = await self._navigate(page, request, hops, timeout)
                    settle = min(SETTLE_SECONDS, max(timeout - (time.monotonic() - started), 0.1))
                    try:
                        await page.wait_for_load_state("networkidle", timeout=settle * 1000)
                    except PlaywrightError:
                        pass  # a page that keeps polling is still worth reading
                    if wait_for:
                        try:
                            await page.wait_for_selector(wait_for, state="attached", timeout=settle * 1000)
                        except PlaywrightError:
                            pass  # the extractor reports "selector matched nothing"
                    content = await page.content()
                    final_url = page.url
                    status = response.status if response is not None else 200
                    headers = {
                        k.lower(): v for k, v in (response.headers if response is not None else {}).items()
                    }
                finally:
                    await browser.close()
        except FetchError:
            raise
        except PlaywrightError as exc:
            if blocked:  # the navigation failed because the guard stopped a hop
                raise blocked[0] from exc
            message = " ".join(str(exc).split())[:300]
            raise FetchError(
                f"browser could not load {request.url}: {message}", reason=Reason.BROWSER
            ) from exc
        # Every hop was checked before it was requested; where it ended is checked once more.
        await self._check_url(final_url, request)
        body = content.encode("utf-8")
        cap = min(request.max_bytes or self.policy.max_bytes, self.policy.max_bytes)
        if len(body) > cap:
            raise FetchError(
                f"the rendered page is larger than the {cap:,}-byte limit",
                reason=Reason.TOO_LARGE,
                retryable=False,
            )
        headers["content-type"] = "text/html; charset=utf-8"
        headers.pop("content-encoding", None)
        headers.pop("content-length", None)
        wall = bot_wall_error(status, headers, body, request.bot_markers, final_url)
        if wall is not None:
            raise wall
        if status >= 400:
            raise http_error(status, headers, final_url)
        return FetchResult(
            url=request.url,
            final_url=final_url,
            status=status,
            headers=headers,
            body=body,
            elapsed=time.monotonic() - started,
        )

    async def _navigate(self, page: Any, request: Request, hops: list[str], timeout: float) -> Any:
        """Load the main document, following its redirects here, one checked hop at a time.

        Chromium does not route the hops of a redirect it follows itself (Playwright routes
        only the first request), so the router fetches each navigation with redirects off,
        checks the target, stops the navigation and leaves the target in `hops`; this
        navigates to it anew, and that request is routed again.
        """
        from playwright.async_api import Error as PlaywrightError

        url = request.url
        for _ in range(self.policy.max_redirects + 1):
            hops.clear()
            try:
                response = await page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
            except PlaywrightError:
                if not hops:
                    raise
            if not hops:
                return response
            url = hops[0]
        raise FetchError(
            f"too many redirects (more than {self.policy.max_redirects}) starting at {request.url}",
            reason=Reason.REDIRECT,
            retryable=False,
        )

    def _guard(self, request: Request, blocked: list[FetchError], timeout: float, hops: list[str]) -> Any:
        """A route handler: only http(s)/data/blob, no private hosts (unless allowed), no heavy
        media; navigations fetched here with redirects off so each hop is checked first."""

        async def handle(route: Any) -> None:
            target = route.request
            parts = urlsplit(target.url)
            if parts.scheme in ("data", "blob"):
                await route.continue_()
                return
            if target.resource_type in SKIPPED_RESOURCES:
                await route.abort()
                return
            try:
                await self._check_url(target.url, request)
            except FetchError as exc:
                logger.warning("browser: blocked a request to %s: %s", parts.hostname or target.url[:80], exc)
                blocked.append(exc)
                await route.abort("blockedbyclient")
                return
            headers = None
            if request.headers and may_carry_headers(
                request.headers_origin or request.url, target.url, request.headers_hosts
            ):
                headers = {**target.headers, **dict(request.headers)}
            if not target.is_navigation_request():
                await (route.continue_(headers=headers) if headers else route.continue_())
                return
            main = target.frame.parent_frame is None
            url = target.url
            for _ in range(self.policy.max_redirects + 1):
                response = await route.fetch(
                    url=url, headers=headers, max_redirects=0, timeout=timeout * 1000
                )
                location = response.headers.get("location")
                if response.status not in REDIRECTS or not location:
                    await route.fulfill(response=response)
                    return
                url = redirect_target(url, location)
                try:
                    await self._check_url(url, request)
                except FetchError as exc:
                    logger.warning("browser: refused a redirect from %s: %s", target.url[:200], exc)
                    blocked.append(exc)
                    await route.abort("blockedbyclient")
                    return
                if main:  # a fresh navigation to the checked target (see _navigate)
                    hops.append(url)
                    await route.abort("aborted")
                    return
                # A frame's redirects are followed here; only the final response reaches it.
                if headers and not may_carry_headers(
                    request.headers_origin or request.url, url, request.headers_hosts
                ):
                    headers = None
            await route.abort("blockedbyclient")

        return handle


async def _refuse_web_socket(socket: Any) -> None:
    """WebSockets are closed before any connection (a page's live feed is not regulator text)."""
    await socket.close()
