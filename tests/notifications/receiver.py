"""A real HTTP receiver on 127.0.0.1 that checks each robot's exact message format and
signature the way DingTalk, Feishu, WeCom and a webhook consumer would."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SECRETS = {
    "dingtalk": "SECdingtalk-test-secret",
    "feishu": "feishu-test-secret",
    "webhook": "webhook-test-secret",
}


@dataclass
class Received:
    robot: str
    path: str
    query: dict
    headers: dict
    body: dict
    problems: list[str] = field(default_factory=list)
    accepted: bool = True  # answered with the platform's success
    at: float = field(default_factory=time.time)  # arrival (epoch seconds)

    @property
    def is_digest(self) -> bool:
        return (
            self.body.get("msgtype") == "markdown"
            or self.body.get("msg_type") == "interactive"
            or self.body.get("event") == "digest"
        )

    @property
    def text(self) -> str:
        if self.robot == "feishu":
            if self.body.get("msg_type") == "interactive":
                return self.body["card"]["elements"][0]["content"]
            return self.body.get("content", {}).get("text", "")
        if self.robot == "webhook":
            return self.body.get("message", "")
        if self.body.get("msgtype") == "markdown":
            markdown = self.body["markdown"]
            return markdown.get("text", markdown.get("content", ""))
        return self.body.get("text", {}).get("content", "")

    @property
    def delivery_id(self) -> str:
        return self.headers.get("x-collab-delivery", "")


def check_dingtalk(query: dict, body: dict) -> list[str]:
    problems = []
    if body.get("msgtype") == "markdown":
        if set(body) != {"msgtype", "markdown"} or set(body["markdown"]) != {"title", "text"}:
            problems.append(f"dingtalk markdown shape {body}")
        elif len(body["markdown"]["text"].encode()) > 20000:
            problems.append("dingtalk markdown over 20000 bytes")
    elif set(body) != {"msgtype", "text"} or body.get("msgtype") != "text":
        problems.append(f"dingtalk body shape {body}")
    elif set(body.get("text", {})) != {"content"}:
        problems.append("dingtalk text must be {'content': …}")
    if query.get("access_token") != "dt-token":
        problems.append("dingtalk access_token lost")
    timestamp, sign = query.get("timestamp", ""), query.get("sign", "")
    secret = SECRETS["dingtalk"]
    expected = base64.b64encode(
        hmac.new(secret.encode(), f"{timestamp}\n{secret}".encode(), hashlib.sha256).digest()
    ).decode()
    if not timestamp.isdigit() or abs(int(timestamp) - time.time() * 1000) > 3600_000:
        problems.append(f"dingtalk timestamp {timestamp!r} not ms within an hour")
    if sign != expected:
        problems.append("dingtalk sign mismatch")
    return problems


def check_feishu(body: dict) -> list[str]:
    problems = []
    if body.get("msg_type") == "interactive":
        card = body.get("card", {})
        if set(body) != {"timestamp", "sign", "msg_type", "card"}:
            problems.append(f"feishu card body keys {sorted(body)}")
        elif card.get("elements", [{}])[0].get("tag") != "markdown" or "header" not in card:
            problems.append(f"feishu card shape {card}")
    elif set(body) != {"timestamp", "sign", "msg_type", "content"}:
        problems.append(f"feishu body keys {sorted(body)}")
    elif body.get("msg_type") != "text" or set(body.get("content", {})) != {"text"}:
        problems.append("feishu must be msg_type text with content.text")
    timestamp = body.get("timestamp", "")
    if not isinstance(timestamp, str) or not timestamp.isdigit():
        problems.append("feishu timestamp must be a string of seconds")
    elif abs(int(timestamp) - time.time()) > 3600:
        problems.append("feishu timestamp not within an hour")
    string_to_sign = f"{timestamp}\n{SECRETS['feishu']}".encode()
    expected = base64.b64encode(hmac.new(string_to_sign, b"", hashlib.sha256).digest()).decode()
    if body.get("sign") != expected:
        problems.append("feishu sign mismatch")
    return problems


def check_wecom(query: dict, body: dict) -> list[str]:
    problems = []
    if body.get("msgtype") == "markdown":
        content = body.get("markdown", {}).get("content", "")
        if body != {"msgtype": "markdown", "markdown": {"content": content}}:
            problems.append(f"wecom markdown shape {body}")
        elif len(content.encode()) > 4096:
            problems.append("wecom markdown over 4096 bytes")
    elif body != {"msgtype": "text", "text": {"content": body.get("text", {}).get("content")}}:
        problems.append(f"wecom body shape {body}")
    if query.get("key") != "wecom-key":
        problems.append("wecom key lost")
    return problems


def check_webhook(headers: dict, raw: bytes) -> list[str]:
    timestamp = headers.get("x-collab-timestamp", "")
    signature = headers.get("x-collab-signature", "")
    expected = (
        "sha256="
        + hmac.new(
            SECRETS["webhook"].encode(), f"{timestamp}.".encode() + raw, hashlib.sha256
        ).hexdigest()
    )
    problems = []
    if not hmac.compare_digest(signature, expected):
        problems.append("webhook signature mismatch")
    if not headers.get("x-collab-delivery", "").isdigit():
        problems.append("webhook delivery id header missing")
    return problems


class Receiver:
    """Start with `with Receiver() as r:`; robots post to r.url(kind)."""

    def __init__(self, delay: float = 0.0):
        self.delay = delay
        self.delays: dict[str, float] = {}  # robot -> seconds before answering
        self.received: list[Received] = []
        self.fail: set[str] = set()  # robots that answer 500
        # robot -> (HTTP status, JSON) answered instead of success (platform error codes)
        self.answers: dict[str, tuple[int, dict]] = {}
        self.lock = threading.Lock()
        self.arrived = threading.Event()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                parsed = urllib.parse.urlsplit(self.path)
                robot = parsed.path.strip("/")
                query = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                headers = {k.lower(): v for k, v in self.headers.items()}
                if robot in receiver.fail:
                    self._answer(500, {"errcode": 500})
                    return
                body = json.loads(raw.decode("utf-8"))
                problems = {
                    "dingtalk": lambda: check_dingtalk(query, body),
                    "feishu": lambda: check_feishu(body),
                    "wecom": lambda: check_wecom(query, body),
                    "webhook": lambda: check_webhook(headers, raw),
                }.get(robot, lambda: [f"unknown robot {robot}"])()
                with receiver.lock:
                    receiver.received.append(
                        Received(
                            robot,
                            parsed.path,
                            query,
                            headers,
                            body,
                            problems,
                            accepted=not problems and robot not in receiver.answers,
                        )
                    )
                receiver.arrived.set()
                delay = receiver.delays.get(robot, receiver.delay)
                if delay:
                    time.sleep(delay)
                if robot in receiver.answers:
                    self._answer(*receiver.answers[robot])
                elif problems:
                    self._answer(200, {"errcode": 310000, "errmsg": "; ".join(problems)})
                elif robot == "feishu":
                    self._answer(200, {"code": 0, "msg": "success", "data": {}})
                else:
                    self._answer(200, {"errcode": 0, "errmsg": "ok"})

            def _answer(self, status, payload):
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the sender went away (killed worker)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    @property
    def base(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    def url(self, robot: str) -> str:
        return {
            "dingtalk": f"{self.base}/dingtalk?access_token=dt-token",
            "feishu": f"{self.base}/feishu",
            "wecom": f"{self.base}/wecom?key=wecom-key",
            "webhook": f"{self.base}/webhook",
        }[robot]

    def by_robot(self, robot: str) -> list[Received]:
        with self.lock:
            return [r for r in self.received if r.robot == robot]


# What each platform answers when it refuses a robot for good (documented error codes).
PERMANENT_ERRORS = {
    "dingtalk": (200, {"errcode": 310000, "errmsg": "sign not match, more: [...]"}),
    "feishu": (200, {"code": 19021, "msg": "sign match fail or timestamp is not within one hour"}),
    "wecom": (200, {"errcode": 93000, "errmsg": "invalid webhook url, hint: [...]"}),
}
# What they answer when busy or sending too fast: worth retrying.
TRANSIENT_ERRORS = {
    "dingtalk": (200, {"errcode": 410100, "errmsg": "send too fast"}),
    "feishu": (200, {"code": 11232, "msg": "frequency limited psm"}),
    "wecom": (200, {"errcode": 45009, "errmsg": "api freq out of limit"}),
}
