"""Print every register's declared lifecycle: transitions, who may run them, conditions."""

from django.core.management.base import BaseCommand
from django.utils import translation

from collab.core.lifecycle import Lifecycle, all_lifecycles


def lifecycle_table(lifecycle: Lifecycle) -> list[str]:
    states = "、".join(f"{label}（{value}）" for value, label in lifecycle.states.choices)
    lines = [
        f"## {lifecycle.title} `{lifecycle.model}`",
        "",
        f"States: {states}",
        "",
        "| transition | from → to | who may run it | conditions (what must hold) |",
        "|---|---|---|---|",
    ]
    for t in lifecycle.transitions.values():
        source = "、".join(lifecycle.state_label(s) for s in t.source)
        route = f"{source} → {lifecycle.state_label(t.target)}"
        conditions = [f"{c.summary}" + (f" [{c.app}]" if c.app else "") for c in t.conditions] or [
            "—"
        ]
        steps = [f"then: {f.summary}" + (f" [{f.app}]" if f.app else "") for f in t.followups]
        reason = " (reason required)" if t.needs_reason else ""
        lines.append(
            f"| `{t.name}` {t.label}{reason} | {route} | {t.who} | "
            + "<br>".join(conditions + steps)
            + " |"
        )
    return lines


class Command(BaseCommand):
    help = "Print every register's transitions with their conditions and permissions."

    def add_arguments(self, parser):
        parser.add_argument("--language", default="zh-hans", help="zh-hans (default) or en")

    def handle(self, *args, language, **options):
        with translation.override(language):
            out: list[str] = []
            for lifecycle in all_lifecycles():
                out.extend(lifecycle_table(lifecycle))
                out.append("")
            self.stdout.write("\n".join(out))
