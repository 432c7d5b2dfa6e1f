"""The page sweep: visits pages as one person in one browser context and reports every
problem a reader would see. Used by test_ui_sweep.py; importable by scripts too."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

# In-app browsers of the two chat platforms liaisons work in (their documented
# user-agent tokens: DingTalk "AliApp(DingTalk/…)", Feishu "Lark/… Feishu").
DINGTALK_UA = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148 AliApp(DingTalk/7.5.10) com.laiwang.DingTalk/36212468 "
    "Channel/201200 language/zh-Hans-CN UT4Aplus/0.0.6 WK"
)
FEISHU_UA = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7 Build/UQ1A.240205.004; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 "
    "Lark/7.12.6 LarkLocale/zh_CN ChannelName/Feishu TTWebView/1201020013813"
)
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1440, "height": 900}

# A status or kind code leaking into the text: lowercase words joined by underscores.
RAW_CODE = re.compile(r"(?<![\w./@-])[a-z]+(?:_[a-z]+)+(?![\w./@-])")
SKIP_PATHS = re.compile(
    r"^/(admin|api|logout|i18n|language|static|media|healthz|readyz|metrics)\b"
    r"|\.(xlsx|csv|pdf|zip|docx?|ics)$|/download|/export|/dossier|/template|/print"
)

# Runs in the page: overflow, unlabelled controls, badge contrast, visible text.
PROBE = r"""
() => {
  function rgba(value) {
    const m = value.match(/rgba?\(([^)]+)\)/);
    if (!m) { return [0, 0, 0, 0]; }
    const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
  }
  function luminance(c) {
    const f = (v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
  }
  function blend(top, bottom) {
    const a = top[3];
    return [0, 1, 2].map((i) => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  }
  function background(el) {
    const layers = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const c = rgba(getComputedStyle(node).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) { break; } }
    }
    let colour = [255, 255, 255, 1];
    for (let i = layers.length - 1; i >= 0; i -= 1) { colour = blend(layers[i], colour); }
    return colour;
  }
  function visible(el) {
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== "hidden" && s.display !== "none";
  }
  const badges = [];
  document.querySelectorAll(".badge, .status-badge").forEach((el) => {
    if (!visible(el) || !el.textContent.trim()) { return; }
    const bg = background(el);
    const fg = blend(rgba(getComputedStyle(el).color), bg);
    const [hi, lo] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
    badges.push({text: el.textContent.trim().slice(0, 30), ratio: (hi + 0.05) / (lo + 0.05)});
  });
  const unlabelled = [];
  document.querySelectorAll("input, select, textarea").forEach((el) => {
    const type = (el.getAttribute("type") || "").toLowerCase();
    if (["hidden", "submit", "button", "reset", "image"].includes(type)) { return; }
    if (el.closest("[hidden]") || el.closest("template")) { return; }
    const named = el.getAttribute("aria-label") || el.getAttribute("aria-labelledby") ||
      el.getAttribute("title") || el.closest("label") ||
      (el.id && document.querySelector('label[for="' + CSS.escape(el.id) + '"]'));
    if (!named) { unlabelled.push(el.name || el.id || el.outerHTML.slice(0, 60)); }
  });
  return {
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    text: document.body.innerText,
    badges: badges,
    unlabelled: unlabelled,
    links: Array.from(document.querySelectorAll("a[href]")).map((a) => a.getAttribute("href")),
  };
}
"""


@dataclass
class Sweep:
    """Problems found on the pages one context visited, keyed by 'who: url'."""

    label: str
    screenshots: Path | None = None
    problems: list[str] = field(default_factory=list)
    visited: int = 0

    def watch(self, page) -> list[str]:
        """Collects console errors, page errors and failed requests of page."""
        events: list[str] = []
        page.on(
            "console",
            lambda m: events.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: events.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: events.append(f"request failed: {r.url} {r.failure}"))
        page.on(
            "response",
            lambda r: events.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None,
        )
        return events

    def visit(self, page, events: list[str], url: str, shot: str = "") -> dict:
        events.clear()
        response = page.goto(url, wait_until="load")
        found = page.evaluate(PROBE)
        self.visited += 1
        where = f"{self.label} {url}"
        if response is None or response.status >= 400:
            self.problems.append(f"{where}: status {response.status if response else 'none'}")
        if found["scrollWidth"] > found["innerWidth"]:
            self.problems.append(
                f"{where}: {found['scrollWidth']} px wide in a {found['innerWidth']} px window"
            )
        self.problems.extend(f"{where}: {event}" for event in events)
        self.problems.extend(f"{where}: unlabelled control {name}" for name in found["unlabelled"])
        self.problems.extend(
            f"{where}: badge {b['text']!r} contrast {b['ratio']:.2f} < 4.5"
            for b in found["badges"]
            if b["ratio"] < 4.5
        )
        codes = sorted(set(RAW_CODE.findall(found["text"])))
        if codes:
            self.problems.append(f"{where}: raw codes in text {codes}")
        if shot and self.screenshots is not None:
            self.screenshots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(self.screenshots / f"{shot}.png"))
        return found


def page_key(url: str) -> str:
    """One page per kind: /tasks/12/ and /tasks/13/ are the same page."""
    return re.sub(r"\d+", "0", urlsplit(url).path)


def links_to_follow(hrefs: list[str], base: str) -> list[str]:
    result = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        parts = urlsplit(href)
        if parts.netloc and parts.netloc != urlsplit(base).netloc:
            continue
        path = parts.path
        if not path.startswith("/") or SKIP_PATHS.search(path):
            continue
        result.append(f"{path}?{parts.query}" if parts.query else path)
    return result


def slug(url: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", urlsplit(url).path.lower()).strip("-") or "home"


def open_phone(browser, base_url: str, user_agent: str | None = None):
    """A page on a touch phone (390×844), in a chat app's in-app browser when given its
    user agent. `page.errors` collects script errors and failed requests (the browser's
    own favicon probe aside); close it with `page.context.close()`."""
    agent = {"user_agent": user_agent} if user_agent else {}
    context = browser.new_context(
        locale="zh-CN", base_url=base_url, viewport=PHONE, is_mobile=True, has_touch=True, **agent
    )
    page = context.new_page()
    page.set_default_timeout(15000)
    errors: list[str] = []

    def failed(response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            errors.append(f"{response.status} {response.url}")

    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("response", failed)
    page.on("requestfailed", lambda request: errors.append(f"{request.failure} {request.url}"))
    page.errors = errors
    return page


def log_in(browser, base_url: str, username: str, password: str) -> dict:
    """Signs in once; the returned storage state reopens the session in any context."""
    context = browser.new_context(base_url=base_url, locale="zh-CN")
    page = context.new_page()
    page.goto("/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()
    state = context.storage_state()
    context.close()
    return state


def set_language(context, language: str) -> None:
    """The language switch of the user menu, as a form post (it stores the choice)."""
    token = next(c["value"] for c in context.cookies() if c["name"] == "csrftoken")
    answer = context.request.post(
        "/language/",
        form={"language": language, "next": "/"},
        headers={"X-CSRFToken": token, "Referer": context.pages[0].url},
        max_redirects=0,
    )
    assert answer.status in (200, 302), answer.status


def discover(
    page, events, sweep: Sweep, base_url: str, limit: int, shots: str = "", first: tuple = ()
) -> list[str]:
    """Pages reachable from the navigation: the menu and bottom bar, then the links on
    those pages, one page of each kind, at most `limit`. `first` are pages reached from
    the navigation that should stand for their kind (a requirement in progress rather
    than a finished one)."""
    page.goto("/")
    start = links_to_follow(
        page.eval_on_selector_all(
            "#main-nav a[href], #bottom-bar a[href]", "els => els.map(e => e.getAttribute('href'))"
        ),
        base_url,
    )
    queue, seen, pages = list(dict.fromkeys(["/", *start, *first])), set(), []
    nav_count = len(queue)
    while queue and len(pages) < limit:
        url = queue.pop(0)
        if page_key(url) in seen:
            continue
        seen.add(page_key(url))
        found = sweep.visit(page, events, url, shot=f"{shots}-{slug(url)}" if shots else "")
        pages.append(url)
        if len(pages) <= nav_count * 4:  # the navigation's pages and the pages they link to
            queue.extend(
                u for u in links_to_follow(found["links"], base_url) if page_key(u) not in seen
            )
    return pages
