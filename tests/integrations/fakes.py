"""Local fakes of the DingTalk, Feishu and WeCom open APIs on 127.0.0.1, written from
their public documentation: access tokens (that can be made to expire), contacts with
paging (pages kept small so paging is exercised), personal messages, and the
platforms' error codes.

- DingTalk (oapi): GET /gettoken?appkey&appsecret; POST /topapi/v2/department/get,
  /topapi/v2/department/listsub, /topapi/v2/user/list (cursor, size ≤ 100, answers
  has_more/next_cursor), /topapi/message/corpconversation/asyncsend_v2 (agent_id,
  userid_list, msg). Bad token: errcode 40014, expired: 42001. Answers errcode/errmsg.
- Feishu: POST /open-apis/auth/v3/tenant_access_token/internal; GET
  /open-apis/contact/v3/departments/0/children (fetch_child, page_size ≤ 50,
  page_token), /open-apis/contact/v3/users/find_by_department; POST
  /open-apis/im/v1/messages?receive_id_type= (content is a JSON string). Bad or expired
  token: code 99991663 with HTTP 400 as Feishu answers. Answers code/msg/data.
- WeCom: GET /cgi-bin/gettoken?corpid&corpsecret, /cgi-bin/department/list,
  /cgi-bin/user/list?department_id; POST /cgi-bin/message/send (touser, msgtype,
  agentid). Bad token: 40014, expired: 42001.
"""

from __future__ import annotations

import json
import threading
import urllib.parse
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDENTIALS = {
    "dingtalk": ("ding-app-key", "ding-app-secret"),
    "feishu": ("cli_fake_app", "feishu-app-secret"),
    "wecom": ("ww-corp-id", "wecom-secret"),
}
PAGE = 2  # contacts page size the fakes use whatever is asked, so paging happens


@dataclass
class Platform:
    name: str
    departments: list[dict] = field(default_factory=list)
    users: list[dict] = field(default_factory=list)
    tokens: dict[str, bool] = field(default_factory=dict)  # token -> still valid
    token_requests: int = 0
    sent: list[dict] = field(default_factory=list)
    # answers to give to the next message sends, before sending for real
    send_errors: list[tuple[int, dict]] = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def expire_tokens(self) -> None:
        for token in self.tokens:
            self.tokens[token] = False

    def new_token(self) -> str:
        token = f"{self.name}-{uuid.uuid4().hex[:12]}"
        self.tokens[token] = True
        self.token_requests += 1
        return token


class Fake:
    def __init__(self):
        self.platforms = {name: Platform(name) for name in CREDENTIALS}
        self.lock = threading.Lock()
        handler = type("Handler", (_Handler,), {"fake": self})
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __getitem__(self, name: str) -> Platform:
        return self.platforms[name]

    def start(self) -> Fake:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def base(self, name: str) -> str:
        return f"{self.url}/{name}"


class _Handler(BaseHTTPRequestHandler):
    fake: Fake

    def log_message(self, *args):
        pass

    def _answer(self, status: int, payload: dict) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _body(self) -> dict:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        return json.loads(raw or b"{}")

    def do_GET(self):
        self._route("GET", {})

    def do_POST(self):
        self._route("POST", self._body())

    def _route(self, method: str, body: dict) -> None:
        split = urllib.parse.urlsplit(self.path)
        query = {k: v[-1] for k, v in urllib.parse.parse_qs(split.query).items()}
        name, _sep, path = split.path.lstrip("/").partition("/")
        platform = self.fake.platforms.get(name)
        if platform is None:
            self._answer(404, {})
            return
        with self.fake.lock:
            platform.calls.append(f"{method} /{path}")
            status, payload = getattr(self, f"_{name}")(platform, method, "/" + path, query, body)
        self._answer(status, payload)

    # DingTalk
    def _dingtalk_token_error(self, platform, query):
        token = query.get("access_token", "")
        if token not in platform.tokens:
            return {"errcode": 40014, "errmsg": "不合法的access_token"}
        if not platform.tokens[token]:
            return {"errcode": 42001, "errmsg": "access_token超时"}
        return None

    def _dingtalk(self, platform, method, path, query, body):
        if path == "/gettoken":
            if (query.get("appkey"), query.get("appsecret")) != CREDENTIALS["dingtalk"]:
                return 200, {"errcode": 40089, "errmsg": "不合法的corpid或corpsecret"}
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": platform.new_token(),
                "expires_in": 7200,
            }
        error = self._dingtalk_token_error(platform, query)
        if error:
            return 200, error
        if path == "/topapi/v2/department/get":
            for dept in platform.departments:
                if dept["dept_id"] == body.get("dept_id"):
                    return 200, {"errcode": 0, "errmsg": "ok", "result": dept}
            return 200, {"errcode": 60003, "errmsg": "部门不存在"}
        if path == "/topapi/v2/department/listsub":
            children = [
                {"dept_id": d["dept_id"], "name": d["name"], "parent_id": d.get("parent_id")}
                for d in platform.departments
                if d.get("parent_id") == body.get("dept_id")
            ]
            return 200, {"errcode": 0, "errmsg": "ok", "result": children}
        if path == "/topapi/v2/user/list":
            if "cursor" not in body or not 0 < int(body.get("size", 0)) <= 100:
                return 200, {"errcode": 40035, "errmsg": "缺少参数 cursor/size"}
            people = [u for u in platform.users if body["dept_id"] in u["dept_id_list"]]
            cursor = int(body["cursor"])
            page = people[cursor : cursor + PAGE]
            more = cursor + PAGE < len(people)
            result = {"has_more": more, "list": page}
            if more:
                result["next_cursor"] = cursor + PAGE
            return 200, {"errcode": 0, "errmsg": "ok", "result": result}
        if path == "/topapi/message/corpconversation/asyncsend_v2":
            return self._dingtalk_send(platform, body)
        return 404, {"errcode": 404, "errmsg": "not found"}

    def _dingtalk_send(self, platform, body):
        if platform.send_errors:
            return platform.send_errors.pop(0)
        msg = body.get("msg") or {}
        if not isinstance(body.get("agent_id"), int) or not body.get("userid_list"):
            return 200, {"errcode": 40035, "errmsg": "缺少参数 agent_id/userid_list"}
        if msg.get("msgtype") not in ("text", "link", "markdown", "action_card", "oa"):
            return 200, {"errcode": 40035, "errmsg": "不合法的msgtype"}
        known = {u["userid"] for u in platform.users}
        if any(uid not in known for uid in body["userid_list"].split(",")):
            return 200, {"errcode": 33012, "errmsg": "无效的userid"}
        platform.sent.append(body)
        return 200, {
            "errcode": 0,
            "errmsg": "ok",
            "task_id": len(platform.sent),
            "request_id": uuid.uuid4().hex,
        }

    # Feishu
    def _feishu(self, platform, method, path, query, body):
        if path == "/open-apis/auth/v3/tenant_access_token/internal":
            if (body.get("app_id"), body.get("app_secret")) != CREDENTIALS["feishu"]:
                return 200, {"code": 10014, "msg": "app secret invalid"}
            return 200, {
                "code": 0,
                "msg": "ok",
                "tenant_access_token": platform.new_token(),
                "expire": 7200,
            }
        auth = self.headers.get("Authorization", "")
        token = auth.removeprefix("Bearer ")
        if not auth.startswith("Bearer ") or not platform.tokens.get(token):
            return 400, {"code": 99991663, "msg": "Invalid access token for authorization."}
        if path == "/open-apis/contact/v3/departments/0/children":
            if query.get("department_id_type") != "open_department_id":
                platform.problems.append("departments without department_id_type")
            return 200, self._feishu_page(platform.departments, query)
        if path == "/open-apis/contact/v3/users/find_by_department":
            dept = query.get("department_id")
            people = [
                u
                for u in platform.users
                if dept in u["department_ids"] or (dept == "0" and not u["department_ids"])
            ]
            return 200, self._feishu_page(people, query)
        if path == "/open-apis/im/v1/messages" and method == "POST":
            if platform.send_errors:
                return platform.send_errors.pop(0)
            if query.get("receive_id_type") not in (
                "open_id",
                "user_id",
                "union_id",
                "email",
                "chat_id",
            ):
                return 400, {"code": 230001, "msg": "invalid receive_id_type"}
            try:
                json.loads(body.get("content", ""))
            except (TypeError, ValueError):
                return 400, {"code": 230001, "msg": "content is not a JSON string"}
            known = {u["user_id"] for u in platform.users}
            if body.get("receive_id") not in known:
                return 400, {"code": 230013, "msg": "user not in app's availability"}
            platform.sent.append({**body, "receive_id_type": query["receive_id_type"]})
            return 200, {
                "code": 0,
                "msg": "success",
                "data": {"message_id": f"om_{len(platform.sent)}"},
            }
        return 404, {"code": 404, "msg": "not found"}

    def _feishu_page(self, items, query):
        size = int(query.get("page_size", 20))
        if not 0 < size <= 50:
            return {"code": 99992402, "msg": "page_size invalid"}
        start = int(query.get("page_token") or 0)
        page = items[start : start + PAGE]
        more = start + PAGE < len(items)
        data = {"has_more": more, "items": page}
        if more:
            data["page_token"] = str(start + PAGE)
        return {"code": 0, "msg": "success", "data": data}

    # WeCom
    def _wecom(self, platform, method, path, query, body):
        if path == "/cgi-bin/gettoken":
            if (query.get("corpid"), query.get("corpsecret")) != CREDENTIALS["wecom"]:
                return 200, {"errcode": 40001, "errmsg": "invalid credential"}
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": platform.new_token(),
                "expires_in": 7200,
            }
        token = query.get("access_token", "")
        if token not in platform.tokens:
            return 200, {"errcode": 40014, "errmsg": "invalid access_token"}
        if not platform.tokens[token]:
            return 200, {"errcode": 42001, "errmsg": "access_token expired"}
        if path == "/cgi-bin/department/list":
            return 200, {"errcode": 0, "errmsg": "ok", "department": platform.departments}
        if path == "/cgi-bin/user/list":
            dept = int(query.get("department_id", 0))
            people = [u for u in platform.users if dept in u["department"]]
            return 200, {"errcode": 0, "errmsg": "ok", "userlist": people}
        if path == "/cgi-bin/message/send":
            if platform.send_errors:
                return platform.send_errors.pop(0)
            if not body.get("touser") or not isinstance(body.get("agentid"), int):
                return 200, {"errcode": 40035, "errmsg": "invalid touser/agentid"}
            card = body.get("textcard") or {}
            if body.get("msgtype") != "textcard" or not all(
                card.get(k) for k in ("title", "description", "url")
            ):
                return 200, {"errcode": 40035, "errmsg": "invalid textcard"}
            known = {u["userid"] for u in platform.users}
            invalid = [uid for uid in body["touser"].split("|") if uid not in known]
            if invalid and len(invalid) == len(body["touser"].split("|")):
                return 200, {"errcode": 81013, "errmsg": "user & party & tag all invalid"}
            platform.sent.append(body)
            return 200, {
                "errcode": 0,
                "errmsg": "ok",
                "invaliduser": "|".join(invalid),
                "msgid": f"msg{len(platform.sent)}",
            }
        return 404, {"errcode": 404, "errmsg": "not found"}
