"""Local stand-ins for DingTalk, Feishu, WeCom and an OpenID Connect provider, written
from the platforms' public API documentation: same paths, parameters, response shapes
and error codes (including expired access tokens). Each runs a threaded HTTP server on
127.0.0.1 and a free port; tests point the COLLAB_*_BASE settings at `fake.url`.

`fake.signed_in` is the platform user who "approves" the login page (the authorize
endpoint redirects straight back with a code, as the platforms do for a person already
signed in to their client); `fake.calls` records every request.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode, urlsplit


class Request:
    def __init__(self, handler: BaseHTTPRequestHandler, body: bytes):
        parts = urlsplit(handler.path)
        self.method = handler.command
        self.path = parts.path
        self.query = dict(parse_qsl(parts.query))
        self.headers = handler.headers
        self.raw = body
        content_type = handler.headers.get("Content-Type", "")
        if "json" in content_type and body:
            self.body = json.loads(body)
        elif body:
            self.body = dict(parse_qsl(body.decode()))
        else:
            self.body = {}

    def bearer(self) -> str:
        value = self.headers.get("Authorization", "")
        return value[7:] if value.startswith("Bearer ") else ""


class Response:
    def __init__(self, status=200, body=None, headers=None):
        self.status = status
        self.body = body
        self.headers = headers or {}


def redirect(url: str) -> Response:
    return Response(302, None, {"Location": url})


def with_query(url: str, **params) -> str:
    return f"{url}{'&' if '?' in url else '?'}{urlencode(params)}"


class FakeServer:
    """A threaded HTTP server dispatching (method, path) to the subclass's routes."""

    def __init__(self):
        self.calls: list[tuple[str, str]] = []
        self.signed_in: str | None = None
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def handle_one(self):
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(self, self.rfile.read(length) if length else b"")
                fake.calls.append((request.method, request.path))
                route = fake.routes().get((request.method, request.path))
                response = route(request) if route else Response(404, {"error": "not found"})
                self.send_response(response.status)
                for name, value in response.headers.items():
                    self.send_header(name, value)
                payload = b""
                if response.body is not None:
                    if isinstance(response.body, dict | list):
                        payload = json.dumps(response.body, ensure_ascii=False).encode()
                        self.send_header("Content-Type", "application/json; charset=utf-8")
                    else:
                        payload = str(response.body).encode()
                        self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = handle_one

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def routes(self) -> dict:
        raise NotImplementedError

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.server.shutdown()
        self.server.server_close()

    def count(self, path: str) -> int:
        return sum(1 for _, called in self.calls if called == path)

    @staticmethod
    def token(prefix: str = "") -> str:
        return prefix + secrets.token_hex(12)


class AppTokens:
    """App access tokens of a platform: issued, valid, or expired by the test."""

    def __init__(self):
        self.valid: set[str] = set()
        self.expired: set[str] = set()

    def issue(self) -> str:
        token = secrets.token_hex(16)
        self.valid.add(token)
        return token

    def expire_all(self):
        self.expired |= self.valid
        self.valid = set()

    def check(self, token: str) -> str:
        """'' when valid, else 'expired' or 'invalid'."""
        if token in self.valid:
            return ""
        return "expired" if token in self.expired else "invalid"


class DingTalkFake(FakeServer):
    """login.dingtalk.com, api.dingtalk.com (v1.0) and oapi.dingtalk.com on one port."""

    def __init__(self, client_id="ding-app-key", client_secret="ding-app-secret"):
        super().__init__()
        self.client_id = client_id
        self.client_secret = client_secret
        self.users: dict[str, dict] = {}  # userid → directory entry
        self.codes: dict[str, str] = {}  # login authCode → userid
        self.inapp_codes: dict[str, str] = {}  # 免登 code → userid
        self.user_tokens: dict[str, str] = {}
        self.app_tokens = AppTokens()

    def add_user(self, userid, name, *, mobile="", org_email="", unionid=None):
        self.users[userid] = {
            "userid": userid,
            "unionid": unionid or f"union-{userid}",
            "openId": f"open-{userid}",
            "name": name,
            "mobile": mobile,
            "org_email": org_email,
        }
        return self.users[userid]

    def inapp_code(self, userid) -> str:
        code = self.token("inapp-")
        self.inapp_codes[code] = userid
        return code

    def routes(self):
        return {
            ("GET", "/oauth2/auth"): self.authorize,
            ("POST", "/v1.0/oauth2/userAccessToken"): self.user_access_token,
            ("GET", "/v1.0/contact/users/me"): self.users_me,
            ("GET", "/gettoken"): self.gettoken,
            ("POST", "/topapi/v2/user/getuserinfo"): self.getuserinfo,
            ("POST", "/topapi/user/getbyunionid"): self.getbyunionid,
            ("POST", "/topapi/v2/user/get"): self.user_get,
        }

    def authorize(self, request):
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return Response(400, "invalid client_id or response_type")
        if "openid" not in q.get("scope", "").split() or q.get("prompt") != "consent":
            return Response(400, "scope must include openid and prompt=consent")
        code = self.token("auth-")
        self.codes[code] = self.signed_in
        # DingTalk calls back with authCode (and state)
        return redirect(with_query(q["redirect_uri"], authCode=code, state=q.get("state", "")))

    def user_access_token(self, request):
        body = request.body
        if body.get("clientId") != self.client_id or body.get("clientSecret") != self.client_secret:
            return Response(
                400, {"code": "InvalidClientIdOrSecret", "message": "无效的clientId或clientSecret"}
            )
        userid = self.codes.pop(body.get("code", ""), None)
        if body.get("grantType") != "authorization_code" or userid is None:
            return Response(400, {"code": "InvalidAuthCode", "message": "不合法的临时授权码"})
        token = self.token("user-")
        self.user_tokens[token] = userid
        return Response(
            200,
            {
                "accessToken": token,
                "refreshToken": self.token(),
                "expireIn": 7200,
                "corpId": "ding-corp",
            },
        )

    def users_me(self, request):
        userid = self.user_tokens.get(request.headers.get("x-acs-dingtalk-access-token", ""))
        if userid is None:
            return Response(
                401, {"code": "InvalidAuthentication", "message": "不合法的access_token"}
            )
        user = self.users[userid]
        return Response(
            200,
            {
                "nick": user["name"],
                "avatarUrl": "",
                "mobile": user["mobile"],
                "openId": user["openId"],
                "unionId": user["unionid"],
                "email": "",
                "stateCode": "86",
            },
        )

    def gettoken(self, request):
        if (
            request.query.get("appkey") != self.client_id
            or request.query.get("appsecret") != self.client_secret
        ):
            return Response(200, {"errcode": 40089, "errmsg": "不合法的appkey或appsecret"})
        return Response(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": self.app_tokens.issue(),
                "expires_in": 7200,
            },
        )

    def _app_token_error(self, request):
        state = self.app_tokens.check(request.query.get("access_token", ""))
        if state == "expired":
            return Response(200, {"errcode": 42001, "errmsg": "access_token超时"})
        if state == "invalid":
            return Response(200, {"errcode": 40014, "errmsg": "不合法的access_token"})
        return None

    def getuserinfo(self, request):
        if error := self._app_token_error(request):
            return error
        userid = self.inapp_codes.pop(request.body.get("code", ""), None)
        if userid is None:
            return Response(200, {"errcode": 40078, "errmsg": "不存在的临时授权码"})
        user = self.users[userid]
        return Response(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "request_id": "req",
                "result": {
                    "userid": userid,
                    "unionid": user["unionid"],
                    "associated_unionid": "",
                    "name": user["name"],
                    "device_id": "dev",
                    "sys": False,
                    "sys_level": 0,
                },
            },
        )

    def getbyunionid(self, request):
        if error := self._app_token_error(request):
            return error
        for user in self.users.values():
            if user["unionid"] == request.body.get("unionid"):
                return Response(
                    200,
                    {
                        "errcode": 0,
                        "errmsg": "ok",
                        "result": {"contact_type": 0, "userid": user["userid"]},
                    },
                )
        return Response(200, {"errcode": 60121, "errmsg": "找不到该用户"})

    def user_get(self, request):
        if error := self._app_token_error(request):
            return error
        user = self.users.get(request.body.get("userid", ""))
        if user is None:
            return Response(200, {"errcode": 60121, "errmsg": "找不到该用户"})
        return Response(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "result": {
                    "userid": user["userid"],
                    "unionid": user["unionid"],
                    "name": user["name"],
                    "mobile": user["mobile"],
                    "org_email": user["org_email"],
                    "active": True,
                },
            },
        )


class FeishuFake(FakeServer):
    """open.feishu.cn: login page (authen/v1/index), app_access_token, authen v1
    access_token and user_info."""

    def __init__(self, app_id="cli_fake", app_secret="feishu-secret"):
        super().__init__()
        self.app_id = app_id
        self.app_secret = app_secret
        self.users: dict[str, dict] = {}  # user_id → entry
        self.codes: dict[str, str] = {}
        self.user_tokens: dict[str, str] = {}
        self.expired_user_tokens: set[str] = set()
        self.app_tokens = AppTokens()

    def add_user(self, user_id, name, *, mobile="", email="", enterprise_email=""):
        self.users[user_id] = {
            "user_id": user_id,
            "open_id": f"ou_{user_id}",
            "union_id": f"on_{user_id}",
            "name": name,
            "en_name": "",
            "mobile": mobile,
            "email": email,
            "enterprise_email": enterprise_email,
            "tenant_key": "tenant",
            "avatar_url": "",
        }
        return self.users[user_id]

    def code_for(self, user_id) -> str:
        """A code as tt.requestAuthCode hands it to the page (免登)."""
        code = self.token("code-")
        self.codes[code] = user_id
        return code

    def routes(self):
        return {
            ("GET", "/open-apis/authen/v1/index"): self.authorize,
            ("POST", "/open-apis/auth/v3/app_access_token/internal"): self.app_access_token,
            ("POST", "/open-apis/authen/v1/access_token"): self.access_token,
            ("GET", "/open-apis/authen/v1/user_info"): self.user_info,
        }

    def authorize(self, request):
        q = request.query
        if q.get("app_id") != self.app_id:
            return Response(400, "invalid app_id")
        code = self.code_for(self.signed_in)
        return redirect(with_query(q["redirect_uri"], code=code, state=q.get("state", "")))

    def app_access_token(self, request):
        if (
            request.body.get("app_id") != self.app_id
            or request.body.get("app_secret") != self.app_secret
        ):
            return Response(200, {"code": 10014, "msg": "app secret invalid"})
        return Response(
            200,
            {
                "code": 0,
                "msg": "ok",
                "app_access_token": "a-" + self.app_tokens.issue(),
                "expire": 7200,
            },
        )

    def access_token(self, request):
        state = self.app_tokens.check(request.bearer().removeprefix("a-"))
        if state:
            return Response(
                400,
                {
                    "code": 99991663 if state == "invalid" else 99991664,
                    "msg": "Invalid access token for authorization. "
                    "Please make a request with token attached.",
                },
            )
        user_id = self.codes.pop(request.body.get("code", ""), None)
        if request.body.get("grant_type") != "authorization_code" or user_id is None:
            return Response(400, {"code": 20003, "msg": "invalid code"})
        token = self.token("u-")
        self.user_tokens[token] = user_id
        return Response(
            200,
            {
                "code": 0,
                "msg": "success",
                "data": {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": 6900,
                    "refresh_token": self.token("ur-"),
                    "refresh_expires_in": 2592000,
                    **self.users[user_id],
                },
            },
        )

    def user_info(self, request):
        token = request.bearer()
        if token in self.expired_user_tokens:
            return Response(401, {"code": 99991677, "msg": "Authentication token expired."})
        user_id = self.user_tokens.get(token)
        if user_id is None:
            return Response(
                401, {"code": 99991668, "msg": "Invalid access token for authorization."}
            )
        return Response(200, {"code": 0, "msg": "success", "data": self.users[user_id]})


class WeComFake(FakeServer):
    """qyapi.weixin.qq.com, the web login (扫码) page and the in-client OAuth page."""

    def __init__(self, corp_id="ww-fake-corp", agent_id="1000002", secret="wecom-secret"):
        super().__init__()
        self.corp_id = corp_id
        self.agent_id = agent_id
        self.secret = secret
        self.members: dict[str, dict] = {}
        self.codes: dict[str, tuple[str | None, bool]] = {}  # code → (userid, privateinfo)
        self.tickets: dict[str, str] = {}
        self.app_tokens = AppTokens()

    def add_member(self, userid, name, *, mobile="", email="", biz_mail=""):
        self.members[userid] = {
            "userid": userid,
            "name": name,
            "mobile": mobile,
            "email": email,
            "biz_mail": biz_mail,
        }
        return self.members[userid]

    def routes(self):
        return {
            ("GET", "/wwlogin/sso/login"): self.sso_login,
            ("GET", "/connect/oauth2/authorize"): self.oauth_authorize,
            ("GET", "/cgi-bin/gettoken"): self.gettoken,
            ("GET", "/cgi-bin/auth/getuserinfo"): self.getuserinfo,
            ("POST", "/cgi-bin/auth/getuserdetail"): self.getuserdetail,
            ("GET", "/cgi-bin/user/get"): self.user_get,
        }

    def _code(self, q, privateinfo):
        if q.get("appid") != self.corp_id or q.get("agentid") != self.agent_id:
            return Response(400, "invalid appid or agentid")
        code = self.token("code-")
        self.codes[code] = (self.signed_in, privateinfo)
        return redirect(with_query(q["redirect_uri"], code=code, state=q.get("state", "")))

    def sso_login(self, request):
        if request.query.get("login_type") != "CorpApp":
            return Response(400, "login_type must be CorpApp")
        return self._code(request.query, privateinfo=False)

    def oauth_authorize(self, request):
        return self._code(
            request.query, privateinfo=request.query.get("scope") == "snsapi_privateinfo"
        )

    def gettoken(self, request):
        if request.query.get("corpid") != self.corp_id:
            return Response(200, {"errcode": 40013, "errmsg": "invalid corpid"})
        if request.query.get("corpsecret") != self.secret:
            return Response(200, {"errcode": 40001, "errmsg": "invalid credential"})
        return Response(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "access_token": self.app_tokens.issue(),
                "expires_in": 7200,
            },
        )

    def _app_token_error(self, request):
        state = self.app_tokens.check(request.query.get("access_token", ""))
        if state == "expired":
            return Response(200, {"errcode": 42001, "errmsg": "access_token expired"})
        if state == "invalid":
            return Response(200, {"errcode": 40014, "errmsg": "invalid access_token"})
        return None

    def getuserinfo(self, request):
        if error := self._app_token_error(request):
            return error
        entry = self.codes.pop(request.query.get("code", ""), None)
        if entry is None:
            return Response(200, {"errcode": 40029, "errmsg": "invalid code"})
        userid, privateinfo = entry
        if userid not in self.members:
            # not a member of the company
            return Response(
                200,
                {"errcode": 0, "errmsg": "ok", "openid": "o-" + str(userid), "external_userid": ""},
            )
        body = {"errcode": 0, "errmsg": "ok", "userid": userid}
        if privateinfo:
            ticket = self.token("ticket-")
            self.tickets[ticket] = userid
            body.update({"user_ticket": ticket, "expires_in": 1800})
        return Response(200, body)

    def getuserdetail(self, request):
        if error := self._app_token_error(request):
            return error
        userid = self.tickets.get(request.body.get("user_ticket", ""))
        if userid is None:
            return Response(200, {"errcode": 40129, "errmsg": "invalid user_ticket"})
        member = self.members[userid]
        return Response(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "userid": userid,
                "gender": "1",
                "avatar": "",
                "qr_code": "",
                "mobile": member["mobile"],
                "email": member["email"],
                "biz_mail": member["biz_mail"],
                "address": "",
            },
        )

    def user_get(self, request):
        if error := self._app_token_error(request):
            return error
        member = self.members.get(request.query.get("userid", ""))
        if member is None:
            return Response(200, {"errcode": 60111, "errmsg": "userid not found"})
        # Apps created after 2022-06-20 get no mobile or e-mail from this API.
        return Response(
            200,
            {
                "errcode": 0,
                "errmsg": "ok",
                "userid": member["userid"],
                "name": member["name"],
                "department": [1],
                "position": "",
                "status": 1,
            },
        )


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


class OIDCFake(FakeServer):
    """An OpenID Connect provider: discovery, JWKS, authorization code with PKCE, token
    endpoint answering RS256-signed id_tokens, userinfo."""

    def __init__(self, client_id="collab", client_secret="oidc-secret"):
        super().__init__()
        from cryptography.hazmat.primitives.asymmetric import rsa

        self.client_id = client_id
        self.client_secret = client_secret
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "fake-key-1"
        self.people: dict[str, dict] = {}  # sub → claims
        self.codes: dict[str, dict] = {}
        self.access_tokens: dict[str, str] = {}
        self.expired_tokens: set[str] = set()

    @property
    def issuer(self) -> str:
        return self.url

    def add_person(self, sub, *, name="", email="", email_verified=True, username=""):
        self.people[sub] = {
            "sub": sub,
            "name": name,
            "email": email,
            "email_verified": email_verified,
            "preferred_username": username or sub,
        }
        return self.people[sub]

    def routes(self):
        return {
            ("GET", "/.well-known/openid-configuration"): self.discovery,
            ("GET", "/jwks"): self.jwks,
            ("GET", "/authorize"): self.authorize,
            ("POST", "/token"): self.token_endpoint,
            ("GET", "/userinfo"): self.userinfo,
        }

    def discovery(self, request):
        return Response(
            200,
            {
                "issuer": self.issuer,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "userinfo_endpoint": f"{self.url}/userinfo",
                "jwks_uri": f"{self.url}/jwks",
                "response_types_supported": ["code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "scopes_supported": ["openid", "profile", "email"],
                "token_endpoint_auth_methods_supported": [
                    "client_secret_post",
                    "client_secret_basic",
                ],
                "code_challenge_methods_supported": ["S256"],
            },
        )

    def jwks(self, request):
        numbers = self.key.public_key().public_numbers()

        def encode(value: int) -> str:
            return _b64(value.to_bytes((value.bit_length() + 7) // 8, "big"))

        return Response(
            200,
            {
                "keys": [
                    {
                        "kty": "RSA",
                        "use": "sig",
                        "alg": "RS256",
                        "kid": self.kid,
                        "n": encode(numbers.n),
                        "e": encode(numbers.e),
                    }
                ]
            },
        )

    def authorize(self, request):
        q = request.query
        if q.get("client_id") != self.client_id or q.get("response_type") != "code":
            return Response(400, "invalid_request")
        if "openid" not in q.get("scope", "").split():
            return Response(400, "invalid_scope")
        code = self.token("code-")
        self.codes[code] = {
            "sub": self.signed_in,
            "redirect_uri": q["redirect_uri"],
            "nonce": q.get("nonce"),
            "challenge": q.get("code_challenge"),
        }
        return redirect(with_query(q["redirect_uri"], code=code, state=q.get("state", "")))

    def id_token(self, sub: str, nonce: str | None) -> str:
        import jwt

        now = int(time.time())
        claims = {
            **self.people[sub],
            "iss": self.issuer,
            "aud": self.client_id,
            "iat": now,
            "exp": now + 300,
        }
        if nonce:
            claims["nonce"] = nonce
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": self.kid})

    def token_endpoint(self, request):
        body = request.body
        client_id, secret = body.get("client_id"), body.get("client_secret")
        auth = request.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            client_id, _, secret = base64.b64decode(auth[6:]).decode().partition(":")
        if client_id != self.client_id or secret != self.client_secret:
            return Response(401, {"error": "invalid_client"})
        grant = self.codes.pop(body.get("code", ""), None)
        if (
            grant is None
            or body.get("grant_type") != "authorization_code"
            or body.get("redirect_uri") != grant["redirect_uri"]
        ):
            return Response(400, {"error": "invalid_grant"})
        if grant["challenge"]:
            verifier = body.get("code_verifier", "")
            if _b64(hashlib.sha256(verifier.encode()).digest()) != grant["challenge"]:
                return Response(
                    400, {"error": "invalid_grant", "error_description": "PKCE verification failed"}
                )
        token = self.token("at-")
        self.access_tokens[token] = grant["sub"]
        return Response(
            200,
            {
                "access_token": token,
                "token_type": "Bearer",
                "expires_in": 300,
                "id_token": self.id_token(grant["sub"], grant["nonce"]),
            },
        )

    def userinfo(self, request):
        token = request.bearer()
        if token in self.expired_tokens or token not in self.access_tokens:
            return Response(
                401,
                {"error": "invalid_token"},
                {
                    "WWW-Authenticate": 'Bearer error="invalid_token", '
                    'error_description="The access token expired"'
                },
            )
        return Response(200, self.people[self.access_tokens[token]])
