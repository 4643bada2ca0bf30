"""Serve a directory of pages on 127.0.0.1 with ETag/Last-Modified, so conditional GETs get 304.

nginx (Debian's package: `apt-get install -y nginx`) when it is installed: it serves
8,000+ pages/s here, so the server is never what a benchmark measures. Otherwise a
threaded Python server with the same validators, and a message saying the figures are
then bounded by the server.

    python bench/server.py bench/work/site      # serve until Ctrl-C
"""

from __future__ import annotations

import email.utils
import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

NGINX_CONF = """\
{user}worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
    etag on;
    types {{ text/html html; }}
    default_type text/html;
    charset utf-8;
    client_body_temp_path {prefix}/tmp;
    proxy_temp_path {prefix}/tmp;
    fastcgi_temp_path {prefix}/tmp;
    uwsgi_temp_path {prefix}/tmp;
    scgi_temp_path {prefix}/tmp;
    open_file_cache max=20000 inactive=60s;
    open_file_cache_valid 1s;
    server {{
        listen 127.0.0.1:{port};
        root {root};
    }}
}}
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A running static server; `base` is its URL. Stop it with `close()`."""

    def __init__(self, root: Path, work: Path, *, prefer_nginx: bool = True) -> None:
        self.root = root.resolve()
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self._process: subprocess.Popen[bytes] | None = None
        self._httpd: ThreadingHTTPServer | None = None
        nginx = shutil.which("nginx") or next(
            (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.path.exists(p)), None
        )
        if prefer_nginx and nginx:
            self.name = "nginx"
            self._start_nginx(nginx, work)
        else:
            self.name = "python (ThreadingHTTPServer)"
            print(
                "bench: nginx not found (install it with `apt-get install -y nginx`); falling back to a"
                " Python server. It serves far fewer pages/s than nginx, so the figures below are"
                " bounded by the server, not by the tools.",
                file=sys.stderr,
            )
            self._start_python()
        self._wait_ready()

    def _start_nginx(self, nginx: str, work: Path) -> None:
        prefix = (work / "nginx").resolve()
        (prefix / "tmp").mkdir(parents=True, exist_ok=True)
        conf = prefix / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                user="user root;\n" if os.geteuid() == 0 else "",
                prefix=prefix,
                port=self.port,
                root=self.root,
            ),
            encoding="utf-8",
        )
        self._process = subprocess.Popen(
            [nginx, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _start_python(self) -> None:
        root = self.root

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                path = (root / self.path.split("?")[0].lstrip("/")).resolve()
                if root not in path.parents or not path.is_file():
                    self._send(404, {}, b"not found")
                    return
                stat = path.stat()
                etag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
                modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
                headers = {
                    "ETag": etag,
                    "Last-Modified": modified,
                    "Content-Type": "text/html; charset=utf-8",
                }
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if (inm and etag in [t.strip() for t in inm.split(",")]) or (not inm and ims == modified):
                    self._send(304, headers, b"")
                    return
                self._send(200, headers, path.read_bytes())

            def _send(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if status != 304:
                    self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        ThreadingHTTPServer.daemon_threads = True
        self._httpd = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process is not None and self._process.poll() is not None:
                raise RuntimeError(
                    f"nginx exited with {self._process.returncode}; see bench/work/nginx/error.log"
                )
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"the {self.name} server did not start on port {self.port}")

    def close(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()

    def __enter__(self) -> Server:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


if __name__ == "__main__":
    root = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/work/site")
    with Server(root, Path("bench/work"), prefer_nginx="--python" not in sys.argv) as server:
        print(f"serving {root} with {server.name} at {server.base} (Ctrl-C to stop)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
