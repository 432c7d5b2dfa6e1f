"""Tabs of a requirement's pages (templates/requirement_base.html).

requests_app owns the bar; each app that adds a page to a requirement registers its tab
from its own `AppConfig.ready()`, so requests_app never imports the apps above it. A tab
names the step of the loop its page serves (requests_app.lifecycle.Step); until the
requirement reaches that step the tab is shown muted, with the reason (stage.py).
"""

from dataclasses import dataclass

from django.apps import apps


class TabError(Exception):
    """A tab was registered twice or after start-up."""


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str  # reversed with the requirement's pk
    order: int = 50
    step: str = ""  # the step of the six-step loop the page serves; muted before it begins


TABS: list[Tab] = [Tab("overview", "需求", "requirements:detail", 0)]


def register_tab(tab: Tab) -> None:
    """Add a tab; call it from `AppConfig.ready()` (a duplicate key is a wiring error)."""
    if apps.ready:
        raise TabError(f"tab {tab.key!r}: tabs are registered in AppConfig.ready(), not later")
    if any(existing.key == tab.key for existing in TABS):
        raise TabError(f"tab {tab.key!r} is registered twice")
    TABS.append(tab)
    TABS.sort(key=lambda t: t.order)
