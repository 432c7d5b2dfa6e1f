"""How template 4 (成果验收与复盘表) is written by people, read and written back:

- metric lines as the seed writes them, 销售额520万元(目标500万元,超额4%), and as the
  register once wrote them, 销售额：目标 500万元，实际 520万元（104%，超额4%）; the
  note in brackets is checked against the rate computed from actual and target;
- the quality rating with its comment in brackets, 优秀(方案执行到位,数据完整);
- numbered lists, one item per line (1. … 2、… ①… (3) …), also 1.…2.… on one line;
- improvement actions with their owner and due date, 建立数据日报机制（负责：技术部*；
  期限：2024-10-31） or 建立数据日报机制 | 技术部* | 2024-10-31, or the action alone.

Full-width and ASCII brackets, commas and colons are read alike. Parsing raises
WordingError with the message shown against the field."""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from .models import achievement_phrase, achievement_rate, format_decimal

NUMBER = r"\d+(?:\.\d+)?"
SEED_METRIC = re.compile(
    rf"^(?P<name>.+?)\s*[:：]?\s*(?P<actual>{NUMBER})\s*(?P<unit>[^\d(（]*?)\s*"
    rf"[(（]\s*目标值?\s*[:：]?\s*(?P<target>{NUMBER})\s*(?P<target_unit>[^,，;；)）]*?)\s*"
    r"(?:[,，;；]\s*(?P<note>.*?))?\s*[)）]\s*$"
)
LABELLED_METRIC = re.compile(
    rf"^(?P<name>[^：:]+?)\s*[：:]\s*目标值?\s*(?P<target>{NUMBER})\s*(?P<target_unit>[^，,\s（(]*)"
    rf"\s*[，,]\s*实际值?\s*(?P<actual>{NUMBER})\s*(?P<unit>[^，,\s（(]*)"
    r"\s*(?:[（(](?P<note>.*)[)）])?\s*$"
)
OVER = re.compile(rf"^(?:超额|超出|超过|超)(?:完成)?\s*(?P<n>{NUMBER})\s*%$")
RATE = re.compile(rf"^(?:达成率|完成率|达成|完成|达标率)?\s*(?P<n>{NUMBER})\s*%$")
GAP = re.compile(rf"^(?:未达成|未完成|未达标)?\s*差\s*(?P<n>{NUMBER})\s*(?P<unit>.*)$")
REACHED = ("达成", "完成", "达标", "持平", "达成目标", "完成目标")
MISSED = ("未达成", "未完成", "未达标")
NOTE_PARTS = re.compile(r"[,，;；]")
KEY_SEPARATOR = "\x1f"  # between the parts of an improvement's comparable text

QUALITY = re.compile(
    r"^(?P<label>[^(（:：\s]+)\s*(?:[(（](?P<bracket>.*)[)）]|[:：\s]\s*(?P<rest>.*))?$", re.S
)

MARKER = re.compile(
    r"^\s*(?:\d{1,2}\s*[.、．)）](?:(?!\d)|(?=\d+[.．]\d))|[(（]\d{1,2}[)）]|[①-⑳]|[一二三四五六七八九十]{1,2}[、．]|[-•·]\s*)\s*"
)
CIRCLED = re.compile(r"(?=[①-⑳])")
OWNER_WORDS = r"(?:负责人|负责部门|责任部门|责任人|负责)"
DUE_WORDS = r"(?:完成期限|期限|截止日期|截止|完成时间|完成日期)"
DETAILS = re.compile(
    rf"^(?P<action>.*?)\s*[(（]\s*(?:{OWNER_WORDS}\s*[:：]\s*(?P<owner>[^；;，,)）]+?))?\s*[；;，,]?\s*"
    rf"(?:{DUE_WORDS}\s*[:：]\s*(?P<due>[^；;，,)）]+?))?\s*[)）]\s*$",
    re.S,
)


class WordingError(ValueError):
    """A line that cannot be read; the message is shown against the field."""


@dataclass(frozen=True)
class MetricLine:
    name: str
    unit: str
    target: Decimal
    actual: Decimal
    note: str = ""

    def as_dict(self) -> dict:
        return {"name": self.name, "unit": self.unit, "target": self.target, "actual": self.actual}


@dataclass(frozen=True)
class ImprovementLine:
    action: str
    owner: str = ""  # as written; empty when the line names no owner
    due: str = ""  # as written; empty when the line names no date


# Metrics
def metric_text(name: str, unit: str, target, actual) -> str:
    """销售额520万元(目标500万元,超额4%): the seed's wording, note computed."""
    phrase = achievement_phrase(target, actual, unit)
    return (
        f"{name}{format_decimal(Decimal(actual))}{unit}"
        f"(目标{format_decimal(Decimal(target))}{unit},{phrase})"
    )


def parse_metric(line: str) -> MetricLine:
    match = SEED_METRIC.match(line) or LABELLED_METRIC.match(line)
    if not match:
        raise WordingError(
            _(
                "“%(line)s”应写成 指标实际值单位(目标目标值单位,说明)，"
                "如 销售额520万元(目标500万元,超额4%%)"
            )
            % {"line": line}
        )
    unit, target_unit = match["unit"].strip(), match["target_unit"].strip()
    if unit and target_unit and unit != target_unit:
        raise WordingError(
            _("“%(line)s”中实际值与目标值的单位不一致（%(a)s、%(b)s）")
            % {"line": line, "a": unit, "b": target_unit}
        )
    try:
        target, actual = Decimal(match["target"]), Decimal(match["actual"])
    except InvalidOperation:  # the pattern admits digits only; kept for safety
        raise WordingError(_("“%(line)s”中的数值无效") % {"line": line}) from None
    if target <= 0:
        raise WordingError(_("“%(line)s”中的目标值必须大于0") % {"line": line})
    name = match["name"].strip().rstrip("：:").strip()
    return MetricLine(name, unit or target_unit, target, actual, (match["note"] or "").strip())


def _decimals(number: str) -> int:
    return len(number.split(".")[1]) if "." in number else 0


def _agrees(part: str, metric: MetricLine, rate: Decimal) -> bool | None:
    """Whether one part of a note agrees with the computed rate; None: not a rate."""
    part = part.strip()
    if match := OVER.match(part):
        stated = Decimal(match["n"])
        return round(rate - 100, _decimals(match["n"])) == stated and rate > 100
    if match := RATE.match(part):
        return round(rate, _decimals(match["n"])) == Decimal(match["n"])
    if match := GAP.match(part):
        return metric.target - metric.actual == Decimal(match["n"])
    if part in REACHED:
        return metric.actual >= metric.target
    if part in MISSED:
        return metric.actual < metric.target
    return None


def metric_note_problem(line: str, metric: MetricLine) -> str:
    """A warning when the note in brackets disagrees with actual / target (or cannot be
    checked); the rate shown afterwards is always the computed one."""
    parts = [p for p in NOTE_PARTS.split(metric.note) if p.strip()]
    if not parts:
        return ""
    rate = achievement_rate(metric.target, metric.actual)
    verdicts = [_agrees(part, metric, rate) for part in parts]
    if all(verdicts):
        return ""
    computed = {
        "line": line,
        "rate": format_decimal(rate),
        "phrase": achievement_phrase(metric.target, metric.actual, metric.unit),
    }
    if False in verdicts:
        return (
            _(
                "“%(line)s”：按实际值与目标值计算，达成率为 %(rate)s%%（%(phrase)s），"
                "与括号中的说明不符；导入后显示计算值"
            )
            % computed
        )
    return (
        _("“%(line)s”：括号中的说明无法核对，达成率按实际值与目标值计算为 %(rate)s%%（%(phrase)s）")
        % computed
    )


def metric_key(line: str) -> str:
    """Comparable text of a metric line (the note is computed, so it is left out)."""
    try:
        metric = parse_metric(line)
    except WordingError:
        return line.strip()
    return "|".join(
        [metric.name, metric.unit, format_decimal(metric.target), format_decimal(metric.actual)]
    )


def metrics_key(value: str) -> str:
    return "\n".join(metric_key(line) for line in value.splitlines() if line.strip())


# Quality rating
def quality_text(label: str, comment: str) -> str:
    return f"{label}({comment})" if label and comment else label or comment


def split_quality(value: str) -> tuple[str, str | None]:
    """(rating as written, comment or None when none is written)."""
    value = value.strip()
    match = QUALITY.match(value)
    if not match:
        return value, None
    comment = match["bracket"] if match["bracket"] is not None else match["rest"]
    return match["label"], comment.strip() if comment is not None else None


# Numbered lists
def _inline(line: str) -> list[str]:
    """1.甲2.乙 on one line: split at 2., 3., … in sequence (not at 2.0 or 12.)."""
    if not re.match(r"^\s*1\s*[.、．](?!\d)", line):
        return [line]
    parts, start, number = [], 0, 2
    while True:
        found = re.compile(rf"(?<!\d){number}\s*[.、．](?!\d)").search(line, start + 2)
        if not found:
            break
        parts.append(line[start : found.start()])
        start, number = found.start(), number + 1
    return [*parts, line[start:]]


def items(value: str | None) -> list[str]:
    """The items of a list cell: one per line or per number; a line without a number
    after numbered ones continues the item before it."""
    pieces = []
    for line in (value or "").splitlines():
        for piece in CIRCLED.split(line):
            pieces.extend(_inline(piece))
    found: list[str] = []
    numbered = False
    for piece in pieces:
        if not piece.strip():
            continue
        marker = MARKER.match(piece)
        if marker:
            numbered = True
            found.append(piece[marker.end() :].strip())
        elif numbered and found:
            found[-1] += piece.strip()
        else:
            found.append(piece.strip())
    return [item for item in found if item]


def numbered(texts) -> str:
    """1.甲\n2.乙 (the seed's numbering)."""
    return "\n".join(f"{index}.{text}" for index, text in enumerate(texts, start=1))


def items_key(value: str) -> str:
    return "\n".join(items(value))


# Improvement actions
def improvement_text(action: str, owner: str, due: str) -> str:
    return f"{action}（负责：{owner}；期限：{due}）"


def parse_improvement(item: str) -> ImprovementLine:
    parts = [part.strip() for part in item.split("|")]
    if len(parts) >= 3:
        return ImprovementLine("|".join(parts[:-2]).strip(), parts[-2], parts[-1])
    match = DETAILS.match(item)
    if match and (match["owner"] or match["due"]):
        return ImprovementLine(
            match["action"].strip(), (match["owner"] or "").strip(), (match["due"] or "").strip()
        )
    return ImprovementLine(item.strip())


def improvements_key(value: str) -> str:
    lines = [parse_improvement(item) for item in items(value)]
    return "\n".join(KEY_SEPARATOR.join([line.action, line.owner, line.due]) for line in lines)


def improvements_same(new: str, old: str) -> bool:
    """The file lists the same actions, leaving out owners or dates Collab has."""
    new_lines = [line.split(KEY_SEPARATOR) for line in new.splitlines()]
    old_lines = [line.split(KEY_SEPARATOR) for line in old.splitlines()]
    if any(len(line) != 3 for line in (*new_lines, *old_lines)):
        return False
    if len(new_lines) != len(old_lines):
        return False
    for (action, owner, due), (old_action, old_owner, old_due) in zip(
        new_lines, old_lines, strict=True
    ):
        if action != old_action or owner not in ("", old_owner) or due not in ("", old_due):
            return False
    return True
