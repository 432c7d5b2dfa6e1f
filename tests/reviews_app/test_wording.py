"""Template 4's wording as people write it: metric lines with their note checked, the
rating with its comment, numbered lists and improvement actions."""

from decimal import Decimal

import pytest

from reviews_app import wording as w


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("销售额520万元(目标500万元,超额4%)", ("销售额", "万元", 500, 520, "超额4%")),
        (
            "用户参与量15万人次（目标12万人次，超额25%）",
            ("用户参与量", "万人次", 12, 15, "超额25%"),
        ),
        ("销售额：520万元（目标：500万元）", ("销售额", "万元", 500, 520, "")),
        ("Q3销售额520万元(目标500)", ("Q3销售额", "万元", 500, 520, "")),
        ("转化率5.5%(目标5%,达成率110%)", ("转化率", "%", 5, Decimal("5.5"), "达成率110%")),
        # As the register wrote it before the seed's wording.
        (
            "销售额：目标 500万元，实际 520万元（104%，超额4%）",
            ("销售额", "万元", 500, 520, "104%，超额4%"),
        ),
    ],
)
def test_metric_lines(line, expected):
    metric = w.parse_metric(line)
    assert (metric.name, metric.unit, metric.target, metric.actual, metric.note) == expected
    assert w.metric_note_problem(line, metric) == ""


@pytest.mark.parametrize(
    ("line", "fragment"),
    [
        ("销售额超额完成", "应写成"),
        ("销售额520万元(目标500元,超额4%)", "单位不一致（万元、元）"),
        ("销售额520万元(目标0万元)", "目标值必须大于0"),
    ],
)
def test_metric_lines_refused(line, fragment):
    with pytest.raises(w.WordingError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        w.parse_metric(line)


@pytest.mark.parametrize(
    ("line", "problem"),
    [
        ("销售额480万元(目标500万元,未达成，差20万元)", ""),
        ("销售额500万元(目标500万元,达成)", ""),
        ("销售额521万元(目标500万元,超额4%)", ""),  # 4.2 %, written to the percent
        ("销售额520万元(目标500万元,超额5%)", "与括号中的说明不符"),
        ("销售额480万元(目标500万元,未达成，差10万元)", "达成率为 96%（未达成，差20万元）"),
        ("销售额480万元(目标500万元,达成)", "与括号中的说明不符"),
        ("销售额520万元(目标500万元,很好)", "无法核对，达成率按实际值与目标值计算为 104%"),
    ],
)
def test_metric_note_checked_against_the_computed_rate(line, problem):
    found = w.metric_note_problem(line, w.parse_metric(line))
    assert (problem in found) if problem else found == ""


def test_metric_written_back_in_the_seeds_wording():
    assert w.metric_text("销售额", "万元", Decimal("500.0000"), Decimal("520")) == (
        "销售额520万元(目标500万元,超额4%)"
    )
    assert (
        w.metric_text("销售额", "万元", 500, 480) == "销售额480万元(目标500万元,未达成，差20万元)"
    )
    line = w.metric_text("用户参与量", "万人次", 12, 15)
    assert w.metrics_key(line) == w.metrics_key("用户参与量15万人次（目标12万人次）")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("优秀(方案执行到位,数据完整)", ("优秀", "方案执行到位,数据完整")),
        ("优秀（方案执行到位，数据完整）", ("优秀", "方案执行到位，数据完整")),
        ("不合格：数据缺失", ("不合格", "数据缺失")),
        ("良好", ("良好", None)),
        ("优秀(方案(V2)执行到位)", ("优秀", "方案(V2)执行到位")),
    ],
)
def test_quality_rating_with_its_comment(text, expected):
    assert w.split_quality(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1.甲\n2.乙", ["甲", "乙"]),
        ("1、甲\n2、乙", ["甲", "乙"]),
        ("1. 甲\n2) 乙\n（3）丙", ["甲", "乙", "丙"]),
        ("①甲②乙③丙", ["甲", "乙", "丙"]),
        ("一、甲\n二、乙", ["甲", "乙"]),
        ("1.甲2.乙3.丙", ["甲", "乙", "丙"]),  # the seed's lines run together
        ("1.升级到版本2.0后验证\n2.部署", ["升级到版本2.0后验证", "部署"]),
        (
            "1.提前3天启动物料设计,\n预留1天修改缓冲期\n2.乙",
            ["提前3天启动物料设计,预留1天修改缓冲期", "乙"],
        ),
        (
            "《推广活动总结报告》\n\n《销售数据统计表》",
            ["《推广活动总结报告》", "《销售数据统计表》"],
        ),
        ("10.5万元预算不足", ["10.5万元预算不足"]),
    ],
)
def test_numbered_items(text, expected):
    assert w.items(text) == expected


def test_items_numbered_back():
    assert w.numbered(["甲", "乙"]) == "1.甲\n2.乙"
    assert w.items(w.numbered(["1.5倍", "乙"])) == ["1.5倍", "乙"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "建立“数据日报机制”,指定技术部*专人负责监测（负责：技术部*；期限：2024-10-31）",
            ("建立“数据日报机制”,指定技术部*专人负责监测", "技术部*", "2024-10-31"),
        ),
        (
            "提前3天启动物料设计 | 设计部* | 2024-11-15",
            ("提前3天启动物料设计", "设计部*", "2024-11-15"),
        ),
        (
            "提前3天启动物料设计,预留1天修改缓冲期",
            ("提前3天启动物料设计,预留1天修改缓冲期", "", ""),
        ),
        ("重做海报(待修改)", ("重做海报(待修改)", "", "")),
        ("重做海报(待修改)(完成期限：2024-11-01)", ("重做海报(待修改)", "", "2024-11-01")),
    ],
)
def test_improvement_lines(text, expected):
    line = w.parse_improvement(text)
    assert (line.action, line.owner, line.due) == expected


def test_improvements_without_details_are_the_same_actions():
    exported = w.improvements_key(
        "1.甲（负责：技术部*；期限：2024-10-31）\n2.乙（负责：设计部*；期限：2024-11-15）"
    )
    assert w.improvements_same(w.improvements_key("1.甲\n2.乙"), exported)
    assert w.improvements_same(w.improvements_key("1.甲 | 技术部* | 2024-10-31\n2.乙"), exported)
    assert not w.improvements_same(w.improvements_key("1.甲\n2.丙"), exported)
    assert not w.improvements_same(w.improvements_key("1.甲（期限：2024-12-01）\n2.乙"), exported)
    assert not w.improvements_same(w.improvements_key("1.甲"), exported)
