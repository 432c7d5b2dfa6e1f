"""A real HTTP receiver on 127.0.0.1 for event webhooks that verifies every request the
way docs/integrations.md tells a receiving system to (the same code)."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRET = "receiver-shared-secret-0123456789"


def verify(secret: str, headers, body: bytes, *, tolerance: int = 300) -> bool:
    """docs/integrations.md, "Verifying a delivery"."""
    timestamp = headers.get("X-Collab-Timestamp", "")
    signature = headers.get("X-Collab-Signature", "")
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False
    expected = (
        "sha256="
        + hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    )
    return hmac.compare_digest(expected, signature)


@dataclass
class Hit:
    headers: dict
    body: dict
    valid: bool


class WebhookReceiver:
    def __init__(self, secret: str = SECRET):
        self.secret = secret
        self.hits: list[Hit] = []
        self.fail_next = 0  # answer 500 to this many requests first
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                valid = verify(receiver.secret, self.headers, body)
                receiver.hits.append(
                    Hit({k.lower(): v for k, v in self.headers.items()}, json.loads(body), valid)
                )
                status = 204
                if receiver.fail_next:
                    receiver.fail_next -= 1
                    status = 500
                elif not valid:
                    status = 401
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()
                if status == 204:
                    receiver.arrived.set()

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/collab"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()
