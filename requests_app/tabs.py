"""Tabs of a requirement's pages. Apps further down the chain add theirs in
AppConfig.ready(), so requests_app never imports them."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Tab:
    key: str
    label: str
    url_name: str  # reversed with the requirement's pk
    order: int = 50


TABS: list[Tab] = [Tab("overview", "需求", "requirements:detail", 0)]


def register_tab(tab: Tab) -> None:
    if all(existing.key != tab.key for existing in TABS):
        TABS.append(tab)
        TABS.sort(key=lambda t: t.order)
