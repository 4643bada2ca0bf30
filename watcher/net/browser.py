"""Fetch a page through headless Chromium (Playwright driving the system's Chromium), for
regulator sites that build their content with JavaScript (`render = "browser"`).

Only the system browser is used (`/usr/bin/chromium`, the Debian package `chromium`,
or `$REGWATCH_CHROMIUM`), never one downloaded by `playwright install`. Each render
launches a fresh browser (no state between checks) with a bounded number at once. Every
request the page makes goes through the same policy as plain fetches: only http(s), no
private addresses unless the source allows them; images, media and fonts are skipped.
The result is a `FetchResult` like any other fetch, so extraction and bot-wall checks
do not care how the page was obtained.
"""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from urllib.parse import urlsplit

from watcher.errors import FetchError, Reason
from watcher.model import FetchResult
from watcher.net.addresses import check_public
from watcher.net.failures import bot_wall_error, http_error
from watcher.net.fetch import FetchPolicy, Request
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

    def __init__(self, policy: FetchPolicy | None = None, *, concurrency: int = 2) -> None:
        self.policy = policy or FetchPolicy()
        self._slots = asyncio.Semaphore(concurrency)

    async def render(self, request: Request, wait_for: str | None = None) -> FetchResult:
        """Load `request.url` in a fresh browser and return the rendered HTML."""
        reason = unavailable_reason()
        if reason:
            raise FetchError(
                f"cannot render {request.url} in a browser: {reason}", reason=Reason.BROWSER, retryable=False
            )
        timeout = min(request.timeout or self.policy.timeout, self.policy.timeout)
        if not request.allow_private:
            parts = urlsplit(request.url)
            await check_public(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
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
                        extra_http_headers=dict(request.headers),
                        accept_downloads=False,
                        java_script_enabled=True,
                        service_workers="block",
                    )
                    page = await context.new_page()
                    await page.route("**/*", self._guard(request))
                    response = await page.goto(
                        request.url, wait_until="domcontentloaded", timeout=timeout * 1000
                    )
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
            message = " ".join(str(exc).split())[:300]
            raise FetchError(
                f"browser could not load {request.url}: {message}", reason=Reason.BROWSER
            ) from exc
        if not request.allow_private:
            # Redirects of the main document are not routed through the guard: check where it ended.
            parts = urlsplit(final_url)
            await check_public(parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80))
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

    def _guard(self, request: Request):
        """A route handler: only http(s)/data/blob, no private hosts (unless allowed), no heavy media."""

        async def handle(route) -> None:
            target = route.request
            parts = urlsplit(target.url)
            if parts.scheme in ("data", "blob"):
                await route.continue_()
                return
            if parts.scheme not in ("http", "https") or target.resource_type in SKIPPED_RESOURCES:
                await route.abort()
                return
            if not request.allow_private:
                try:
                    await check_public(
                        parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)
                    )
                except FetchError:
                    logger.warning("browser: blocked a request to a non-public address: %s", parts.hostname)
                    await route.abort("blockedbyclient")
                    return
            await route.continue_()

        return handle
