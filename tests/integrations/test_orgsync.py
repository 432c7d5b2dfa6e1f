"""Org sync from the DingTalk, Feishu and WeCom contact fakes and from an LDAP fake
(ldap3's MOCK_SYNC strategy: an in-process directory answering real LDAP operations)."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from collab.accounts.models import Department, User
from collab.identity import orgsync
from collab.identity.models import (
    Handover,
    PlatformAccount,
    PlatformDepartment,
    SyncedProfile,
    SyncRun,
)
from collab.notifications.models import Notification
from collab.notifications.todos import todos_for

pytestmark = pytest.mark.django_db


def dingtalk_org(fake):
    dt = fake["dingtalk"]
    dt.departments = [
        {"dept_id": 1, "name": "示例公司"},
        {"dept_id": 2, "name": "市场部", "parent_id": 1, "dept_manager_userid_list": ["u1"]},
        {"dept_id": 3, "name": "研发中心", "parent_id": 1, "dept_manager_userid_list": []},
        {"dept_id": 4, "name": "前端组", "parent_id": 3, "dept_manager_userid_list": ["u3"]},
    ]
    dt.users = [
        {
            "userid": "u1",
            "unionid": "un1",
            "name": "张三",
            "dept_id_list": [2],
            "title": "市场总监",
            "email": "zhang@example.com",
            "mobile": "13800000001",
        },
        {"userid": "u2", "name": "李四", "dept_id_list": [2], "title": "专员"},
        {"userid": "u6", "name": "钱七", "dept_id_list": [2], "title": "专员"},
        {"userid": "u3", "name": "王五", "dept_id_list": [4], "title": "组长"},
        {"userid": "u4", "name": "赵六", "dept_id_list": [3]},
        {"userid": "u5", "name": "孙八", "dept_id_list": [1]},
    ]
    return dt


def account(platform, external_id) -> User:
    return (
        PlatformAccount.objects.select_related("user")
        .get(platform=platform, external_id=external_id)
        .user
    )


def test_dingtalk_dry_run_then_apply_then_changes(org, platforms):
    dt = dingtalk_org(platforms)
    mkt_head = org["users"]["mkt_head"]
    mkt_head.email = "zhang@example.com"
    mkt_head.save()
    users_before = User.objects.count()

    out = StringIO()
    call_command("org_sync", "--source", "dingtalk", "--dry-run", stdout=out)
    text = out.getvalue()
    assert "试运行" in text and "[added] 新增 部门 研发中心" in text
    assert "[added] 新增 人员 钱七" in text
    assert User.objects.count() == users_before
    assert not PlatformDepartment.objects.exists()
    dry = SyncRun.objects.get()
    assert dry.status == SyncRun.Status.DRY_RUN and dry.added == 7  # 2 departments, 5 people

    call_command("org_sync", "--source", "dingtalk", stdout=StringIO())
    run = SyncRun.objects.first()
    assert run.status == SyncRun.Status.APPLIED
    mkt = Department.objects.get(code="MKT")
    assert PlatformDepartment.objects.get(platform="dingtalk", external_id="2").department == mkt
    rd = PlatformDepartment.objects.get(platform="dingtalk", external_id="3").department
    fe_map = PlatformDepartment.objects.get(platform="dingtalk", external_id="4")
    assert fe_map.parent_external_id == "3" and fe_map.department.name == "前端组"
    assert rd.code.startswith("DD")
    # Matched by e-mail: the seed's account is linked, not duplicated.
    assert account("dingtalk", "u1") == mkt_head
    mkt_head.refresh_from_db()
    assert mkt_head.display_name == "张三" and mkt_head.phone == "13800000001"
    assert SyncedProfile.objects.get(account__external_id="u1").title == "市场总监"
    # Paging: the third person of 市场部 came from the second page.
    assert account("dingtalk", "u6").department == mkt
    assert sum(1 for c in dt.calls if c == "POST /topapi/v2/user/list") > len(dt.departments)
    wang = account("dingtalk", "u3")
    assert wang.department == fe_map.department and fe_map.department.head == wang
    assert not wang.has_usable_password()
    # Only in the company root: no department given, none invented.
    assert account("dingtalk", "u5").department is None

    # A local edit of a source-owned field, then the source changes.
    wang.display_name = "王五（前端）"
    wang.save()
    dt.users = [u for u in dt.users if u["userid"] != "u4"]  # 赵六 left
    dt.users[1]["dept_id_list"] = [3]  # 李四 moves to 研发中心
    dt.users[3]["name"] = "王五五"
    dt.expire_tokens()
    tokens_before = dt.token_requests
    org["users"]["director"].refresh_from_db()
    run = orgsync.org_sync(source="dingtalk")
    assert run.status == SyncRun.Status.APPLIED, run.error
    assert dt.token_requests == tokens_before + 1  # expired token fetched again once
    assert (run.moved, run.deactivated, run.flagged) == (1, 1, 1)
    assert account("dingtalk", "u2").department == rd
    wang.refresh_from_db()
    assert wang.display_name == "王五（前端）"  # kept, flagged
    profile = SyncedProfile.objects.get(account__external_id="u3")
    assert profile.local_edits == ["name"]
    zhao = account("dingtalk", "u4")
    assert not zhao.is_active and User.objects.filter(pk=zhao.pk).exists()
    handover = Handover.objects.get(user=zhao)
    director = org["users"]["director"]
    todo = [t for t in todos_for(director) if t.kind == "handover"]
    assert [t.title for t in todo] == [zhao.label]
    notice = Notification.objects.get(recipient=director, kind="member_left")
    assert notice.action == f"handover:{handover.pk}" and "赵六" in notice.message

    # The admin takes the source's values: the local edit goes.
    orgsync.take_source_values(profile=profile, actor=org["users"]["admin"])
    wang.refresh_from_db()
    assert wang.display_name == "王五五"


def test_handover_page(client, org, platforms):
    dingtalk_org(platforms)
    orgsync.org_sync(source="dingtalk")
    platforms["dingtalk"].users.pop()  # 孙八 left
    orgsync.org_sync(source="dingtalk")
    handover = Handover.objects.get()
    url = f"/identity/handovers/{handover.pk}/"
    client.force_login(org["users"]["mkt_staff"])
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    client.force_login(org["users"]["director"])
    page = client.get(url)
    assert page.status_code == 200 and "孙八" in page.content.decode()
    assert client.post(url).status_code == 302
    handover.refresh_from_db()
    assert handover.done_at and handover.done_by == org["users"]["director"]
    assert not [t for t in todos_for(org["users"]["director"]) if t.kind == "handover"]


def test_feishu_paging_token_expiry_and_resigned(org, platforms):
    fs = platforms["feishu"]
    fs.departments = [
        {
            "open_department_id": "od-mkt",
            "name": "市场部",
            "parent_department_id": "0",
            "leader_user_id": "f1",
        },
        {"open_department_id": "od-rd", "name": "研发部", "parent_department_id": "0"},
        {
            "open_department_id": "od-be",
            "name": "后端组",
            "parent_department_id": "od-rd",
            "leader_user_id": "f3",
        },
    ]
    fs.users = [
        {
            "user_id": "f1",
            "open_id": "ou_1",
            "union_id": "on_1",
            "name": "周一",
            "department_ids": ["od-mkt"],
            "job_title": "经理",
            "email": "zhou@example.com",
            "mobile": "+8613900000001",
            "status": {"is_resigned": False},
        },
        {"user_id": "f2", "name": "吴二", "department_ids": ["od-be"], "status": {}},
        {"user_id": "f3", "name": "郑三", "department_ids": ["od-be"], "status": {}},
        {
            "user_id": "f4",
            "name": "冯四",
            "department_ids": ["od-be"],
            "status": {"is_resigned": True},
        },
    ]
    run = orgsync.org_sync(source="feishu")
    assert run.status == SyncRun.Status.APPLIED, run.error
    assert fs.problems == []
    be = PlatformDepartment.objects.get(platform="feishu", external_id="od-be")
    assert be.parent_external_id == "od-rd" and be.department.head == account("feishu", "f3")
    zhou = PlatformAccount.objects.get(platform="feishu", external_id="f1")
    assert (zhou.open_id, zhou.union_id) == ("ou_1", "on_1")
    assert Department.objects.get(code="MKT").head == zhou.user
    assert zhou.user.phone == "13900000001"
    assert not PlatformAccount.objects.filter(external_id="f4").exists()
    # Feishu answers an expired tenant token with HTTP 400 and code 99991663.
    fs.expire_tokens()
    fs.users[1]["job_title"] = "工程师"
    run = orgsync.org_sync(source="feishu")
    assert run.status == SyncRun.Status.APPLIED, run.error
    assert SyncedProfile.objects.get(account__external_id="f2").title == "工程师"
    assert run.changed == 1


def test_wecom_without_mobile_or_email_keeps_collab_values(org, platforms):
    wc = platforms["wecom"]
    wc.departments = [
        {"id": 1, "name": "示例公司", "parentid": 0},
        {"id": 2, "name": "技术部", "parentid": 1, "department_leader": ["w1"]},
    ]
    wc.users = [
        {
            "userid": "w1",
            "name": "技术部负责人",
            "department": [2],
            "main_department": 2,
            "position": "CTO",
            "status": 1,
        },
        {"userid": "w2", "name": "新同事", "department": [2], "main_department": 2, "status": 1},
    ]
    tec_head = org["users"]["tec_head"]
    PlatformAccount.objects.create(user=tec_head, platform="wecom", external_id="w1")
    tec_head.email, tec_head.phone = "tec@example.com", "13700000000"
    tec_head.save()
    run = orgsync.org_sync(source="wecom")
    assert run.status == SyncRun.Status.APPLIED, run.error
    tec_head.refresh_from_db()
    assert (tec_head.email, tec_head.phone) == ("tec@example.com", "13700000000")
    assert Department.objects.get(code="TEC").head == tec_head
    assert account("wecom", "w2").department.code == "TEC"


def test_failed_source_and_empty_source_change_nothing(org, platforms, settings):
    settings.COLLAB_WECOM_SECRET = "wrong"
    with pytest.raises(CommandError, match="40001"):
        call_command("org_sync", "--source", "wecom", stdout=StringIO())
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED
    settings.COLLAB_WECOM_SECRET = "wecom-secret"
    platforms["wecom"].departments = [{"id": 1, "name": "示例公司", "parentid": 0}]
    run = orgsync.org_sync(source="wecom")
    assert run.status == SyncRun.Status.FAILED and "未返回任何人员" in run.error
    assert User.objects.filter(is_active=True).count() == len(org["users"])


def ldap_directory():
    import ldap3

    server = ldap3.Server("fake-directory")
    connection = ldap3.Connection(
        server,
        user="cn=sync,dc=example,dc=com",
        password="secret",
        client_strategy=ldap3.MOCK_SYNC,
    )
    strategy = connection.strategy
    strategy.add_entry("cn=sync,dc=example,dc=com", {"userPassword": "secret", "cn": "sync"})
    strategy.add_entry("dc=example,dc=com", {"objectClass": ["domain"], "dc": "example"})
    for dn, ou, manager in [
        ("ou=市场部,dc=example,dc=com", "市场部", "uid=li,ou=市场部,dc=example,dc=com"),
        ("ou=研发,dc=example,dc=com", "研发", ""),
        (
            "ou=平台组,ou=研发,dc=example,dc=com",
            "平台组",
            "uid=he,ou=平台组,ou=研发,dc=example,dc=com",
        ),
    ]:
        attrs = {"objectClass": ["organizationalUnit"], "ou": ou}
        if manager:
            attrs["managedBy"] = manager
        strategy.add_entry(dn, attrs)
    for uid, parent, name, title, mail in [
        ("li", "ou=市场部,dc=example,dc=com", "李雷", "市场经理", "li@example.com"),
        ("han", "ou=市场部,dc=example,dc=com", "韩梅梅", "", ""),
        ("he", "ou=平台组,ou=研发,dc=example,dc=com", "何平", "架构师", "he@example.com"),
    ]:
        strategy.add_entry(
            f"uid={uid},{parent}",
            {
                "objectClass": ["inetOrgPerson"],
                "uid": uid,
                "cn": name,
                "displayName": name,
                "sn": name[0],
                "title": title,
                "mail": mail,
            },
        )
    connection.bind()
    return connection


def test_ldap_sync_against_mock_directory(org, settings):
    from collab.identity import orgsync_sources

    settings.COLLAB_LDAP_BASE_DN = "dc=example,dc=com"
    connection = ldap_directory()
    run = orgsync.org_sync(source="ldap", fetch=lambda: orgsync_sources.ldap(connection))
    assert run.status == SyncRun.Status.APPLIED, run.error
    he = account("ldap", "he")
    platform_group = PlatformDepartment.objects.get(
        platform="ldap", external_id="ou=平台组,ou=研发,dc=example,dc=com"
    )
    assert platform_group.parent_external_id == "ou=研发,dc=example,dc=com"
    assert he.department == platform_group.department == Department.objects.get(head=he)
    assert he.email == "he@example.com"
    li = account("ldap", "li")
    assert li.department.code == "MKT" and Department.objects.get(code="MKT").head == li
    assert SyncedProfile.objects.get(account__external_id="li").title == "市场经理"


def test_admin_shows_last_run_and_edits_mapping(admin_client, org, platforms):
    dingtalk_org(platforms)
    orgsync.org_sync(source="dingtalk")
    page = admin_client.get("/admin/identity/syncrun/")
    assert page.status_code == 200 and "已应用" in page.content.decode()
    run = SyncRun.objects.get()
    detail = admin_client.get(f"/admin/identity/syncrun/{run.pk}/change/").content.decode()
    assert "研发中心" in detail
    mapping = PlatformDepartment.objects.get(platform="dingtalk", external_id="3")
    answer = admin_client.post(
        f"/admin/identity/platformdepartment/{mapping.pk}/change/",
        {
            "department": Department.objects.get(code="TEC").pk,
            "platform": "dingtalk",
            "external_id": "3",
            "parent_external_id": "",
        },
    )
    assert answer.status_code == 302
    orgsync.org_sync(source="dingtalk")
    assert account("dingtalk", "u4").department.code == "TEC"


def test_nightly_beat_entry_runs_the_sync(org, platforms):
    import subprocess
    import sys

    from collab.identity.tasks import org_sync as nightly

    env = {
        **__import__("os").environ,
        "DEBUG": "1",
        "COLLAB_ORG_SYNC_SOURCE": "dingtalk",
        "COLLAB_ORG_SYNC_TIME": "03:15",
    }
    code = (
        "import django, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'collab.settings');"
        "django.setup(); from django.conf import settings;"
        "entry = settings.CELERY_BEAT_SCHEDULE['org-sync'];"
        "print(entry['task'], entry['args'], entry['schedule'])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    ).stdout
    assert "collab.identity.tasks.org_sync ['dingtalk']" in out and "15 3" in out
    dingtalk_org(platforms)
    result = nightly.run("dingtalk")
    run = SyncRun.objects.get(pk=result["run"])
    assert run.triggered_by == "beat" and result["status"] == SyncRun.Status.APPLIED
