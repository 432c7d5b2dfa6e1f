"""Goal achievement (目标达成情况): exact decimal arithmetic and the seed's phrases."""

from decimal import Decimal

import pytest

from reviews_app.models import Metric, achievement_phrase, achievement_rate


@pytest.mark.parametrize(
    ("target", "actual", "unit", "rate", "phrase"),
    [
        ("500", "520", "万元", "104.00", "超额4%"),
        ("12", "15", "万人次", "125.00", "超额25%"),
        ("500", "480", "万元", "96.00", "未达成，差20万元"),
        ("500", "500", "万元", "100.00", "达成"),
        ("12", "11.5", "万人次", "95.83", "未达成，差0.5万人次"),
        ("3", "10", "", "333.33", "超额233.33%"),
        ("0.3", "0.1", "亿元", "33.33", "未达成，差0.2亿元"),
        ("3", "2", "项", "66.67", "未达成，差1项"),
        ("10", "12.5", "%", "125.00", "超额25%"),
        ("200", "0", "份", "0.00", "未达成，差200份"),
    ],
)
def test_rate_and_phrase(target, actual, unit, rate, phrase):
    assert achievement_rate(Decimal(target), Decimal(actual)) == Decimal(rate)
    assert achievement_phrase(Decimal(target), Decimal(actual), unit) == phrase


def test_decimal_sums_are_exact_where_floats_are_not():
    target = Decimal("0.3")
    actual = Decimal("0.1") + Decimal("0.2")
    assert 0.1 + 0.2 != 0.3  # the float trap this arithmetic avoids
    assert achievement_phrase(target, actual) == "达成"
    assert achievement_rate(target, actual) == Decimal("100.00")


def test_metric_displays_the_seed_values():
    sales = Metric(name="销售额", unit="万元", target=Decimal("500"), actual=Decimal("520"))
    users = Metric(name="用户参与量", unit="万人次", target=Decimal("12"), actual=Decimal("15"))
    assert (sales.rate_display, sales.phrase) == ("104%", "超额4%")
    assert (users.rate_display, users.phrase) == ("125%", "超额25%")
    assert (sales.target_display, sales.actual_display) == ("500万元", "520万元")
    # Values read back from a DecimalField(decimal_places=4) keep trailing zeros.
    stored = Metric(name="x", unit="万元", target=Decimal("500.0000"), actual=Decimal("520.0000"))
    assert (stored.rate_display, stored.phrase, stored.actual_display) == (
        "104%",
        "超额4%",
        "520万元",
    )
