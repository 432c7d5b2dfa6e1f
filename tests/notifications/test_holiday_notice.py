"""The State Council holiday notice for a year, imported in the admin or from a file,
replaces the computed calendar of that year; bad input changes nothing."""

import datetime

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from collab.notifications.models import WorkCalendarDay
from collab.notifications.workdays import DayCounter, fill_statutory, statutory_holidays

pytestmark = pytest.mark.django_db
D = datetime.date
URL = "/admin/notifications/workcalendarday/import-notice/"

NOTICE_2027 = """# 2027 年部分节假日安排（示例）
2027-01-01 休 元旦
2027-02-05,休,春节
2027-02-08\t休\t春节
2027-02-09 休
2027-02-10 休
2027-02-11 休
2027-02-20 班 春节调休
"""


@pytest.mark.parametrize("year", [2025, 2026])
def test_computed_holidays_agree_with_the_published_calendar(year):
    import chinese_calendar

    computed = statutory_holidays(year)
    assert len([d for d, name in computed if "补假" not in name]) == 13  # days by law
    assert [d for d, _name in computed if chinese_calendar.is_workday(d)] == []


def test_admin_imports_a_notice_that_replaces_the_computed_year(client, org, settings):
    settings.COLLAB_ALERT_DAY_COUNTING = "working"
    fill_statutory(2027)
    assert WorkCalendarDay.objects.filter(date__year=2027, source="statute").exists()
    client.force_login(org["users"]["admin"])
    changelist = client.get(reverse("admin:notifications_workcalendarday_changelist"))
    assert URL in changelist.content.decode()
    response = client.post(URL, {"year": 2027, "text": NOTICE_2027})
    assert response.status_code == 302
    rows = WorkCalendarDay.objects.filter(date__year=2027)
    assert set(rows.values_list("source", flat=True)) == {"notice"}
    assert rows.count() == 7
    counter = DayCounter("working")
    assert counter.is_workday(D(2027, 2, 20))  # a Saturday worked (调休)
    assert not counter.is_workday(D(2027, 2, 11))
    assert counter.is_workday(D(2027, 10, 4))  # not in this partial notice: Monday
    page = client.get(reverse("admin:notifications_workcalendarday_changelist"), follow=True)
    messages = " ".join(str(m) for m in page.context["messages"])
    assert "2027 年没有导入" not in messages


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"year": 2027, "text": "2027-13-01 休"}, "日期“2027-13-01”无效"),
        ({"year": 2027, "text": "2027-01-01 放"}, "应为“休”或“班”"),
        ({"year": 2027, "text": "2028-01-01 休"}, "不在 2027 年"),
        ({"year": 2027, "text": "2027-01-01 休\n2027-01-01 班"}, "重复"),
        ({"year": 2027, "text": ""}, "请粘贴通知内容或上传文件"),
    ],
)
def test_bad_notice_is_explained_and_changes_nothing(client, org, data, error):
    fill_statutory(2027)
    before = list(WorkCalendarDay.objects.values_list("date", "is_workday", "source"))
    client.force_login(org["users"]["admin"])
    response = client.post(URL, data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert list(WorkCalendarDay.objects.values_list("date", "is_workday", "source")) == before


def test_import_page_is_for_staff_with_permission_only(client, org):
    client.force_login(org["users"]["dsn_head"])
    response = client.get(URL)
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_command_imports_a_notice_file_and_rejects_a_bad_one(tmp_path):
    good = tmp_path / "notice.txt"
    good.write_text(NOTICE_2027, encoding="utf-8")
    call_command("import_holiday_notice", str(good), "--year", "2027")
    assert WorkCalendarDay.objects.filter(date__year=2027, source="notice").count() == 7

    bad = tmp_path / "bad.csv"
    bad.write_text("2027-01-01,休\n2027-02-30,休\n", encoding="utf-8")
    with pytest.raises(CommandError, match="第2行"):
        call_command("import_holiday_notice", str(bad))
    assert WorkCalendarDay.objects.filter(date__year=2027).count() == 7
