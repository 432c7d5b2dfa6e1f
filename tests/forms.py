"""Reading the edit forms of a page the way a browser posts them."""

import re
from html.parser import HTMLParser


def loaded_version(html: str, action: str = "") -> str:
    """The hidden `version` an edit form was loaded with: the first on the page, or the
    one of the form posting to `action`."""
    start = html.index(f'action="{action}"') if action else 0
    found = re.compile(r'name="version" value="([^"]*)"').search(html, start)
    assert found, "the edit form carries no version"
    return found.group(1)


class _FormReader(HTMLParser):
    """The fields one form of a page posts, as a browser would send them unchanged."""

    def __init__(self, wanted):
        super().__init__(convert_charrefs=True)
        self.wanted, self.inside, self.done = wanted, False, False
        self.fields: list[tuple[str, str]] = []
        self.select: tuple[str, bool] | None = None
        self.options: list[tuple[str, bool]] = []
        self.textarea: str | None = None
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self.inside = not self.done and self.wanted(a)
            return
        name = a.get("name")
        if not self.inside:
            return
        if tag == "input" and name:
            kind = a.get("type", "text")
            if kind in ("submit", "button", "file") or (
                kind in ("checkbox", "radio") and "checked" not in a
            ):
                return
            self.fields.append((name, a.get("value") or ""))
        elif tag == "select" and name:
            self.select, self.options = (name, "multiple" in a), []
        elif tag == "option" and self.select:
            self.options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self.textarea, self.text = name, []

    def handle_data(self, data):
        if self.textarea:
            self.text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select" and self.select:
            name, multiple = self.select
            chosen = [value for value, selected in self.options if selected]
            if not chosen and not multiple and self.options:
                chosen = [self.options[0][0]]
            self.fields.extend((name, value) for value in chosen)
            self.select = None
        elif tag == "textarea" and self.textarea:
            text = "".join(self.text)
            self.fields.append((self.textarea, text[1:] if text.startswith("\n") else text))
            self.textarea = None


def form_data(html: str, form: str) -> dict:
    """What the form `#id` (or the first one posting to the path `form`) would post:
    one value per name, a list where a name repeats."""
    if form.startswith("#"):
        reader = _FormReader(lambda attrs: attrs.get("id") == form[1:])
    else:
        reader = _FormReader(lambda attrs: attrs.get("action") == form)
    reader.feed(html)
    assert reader.done, f"no form {form} on the page"
    values: dict[str, list[str]] = {}
    for name, value in reader.fields:
        values.setdefault(name, []).append(value)
    return {name: found[0] if len(found) == 1 else found for name, found in values.items()}
