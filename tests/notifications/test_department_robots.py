"""A department head sets the department's group robot on a page; others cannot."""

import pytest
from django.urls import reverse

from collab.notifications.models import RobotConfig

URL = reverse("notifications:department_robots")


def robot_post(department, **overrides):
    data = {
        "department": department.pk,
        "name": "设计部钉钉群",
        "kind": "dingtalk",
        "webhook_url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
        "secret": "SEC123",
        "is_active": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.django_db
def test_head_adds_and_deletes_the_department_robot(org, client):
    dsn = org["departments"]["DSN"]
    client.force_login(org["users"]["dsn_head"])
    response = client.post(URL, robot_post(dsn))
    assert response.status_code == 302
    robot = RobotConfig.objects.get(department=dsn)
    assert (robot.kind, robot.secret, robot.is_active) == ("dingtalk", "SEC123", True)
    assert robot.history.first().history_user == org["users"]["dsn_head"]
    assert "设计部钉钉群" in client.get(URL).content.decode()

    client.post(reverse("notifications:department_robot_delete", args=[robot.pk]))
    assert not RobotConfig.objects.filter(department=dsn).exists()


@pytest.mark.django_db
def test_bad_input_is_explained_and_writes_nothing(org, client):
    dsn = org["departments"]["DSN"]
    client.force_login(org["users"]["dsn_head"])
    response = client.post(URL, robot_post(dsn, kind="webhook", secret=""))
    assert response.status_code == 200
    assert "通用 Webhook 必须设置签名密钥" in response.content.decode()
    response = client.post(URL, robot_post(dsn, webhook_url="ftp://example.com/hook"))
    assert response.status_code == 200
    assert not RobotConfig.objects.exists()


@pytest.mark.django_db
def test_only_heads_of_the_department(org, client):
    users, departments = org["users"], org["departments"]
    client.force_login(users["dsn_liaison"])
    assert client.get(URL).status_code == 404
    # A head cannot add a robot to another department by posting its id.
    client.force_login(users["dsn_head"])
    response = client.post(URL, robot_post(departments["MKT"]))
    assert response.status_code == 200
    assert "请选择您负责的部门" in response.content.decode()
    other = RobotConfig.objects.create(
        department=departments["MKT"],
        name="市场部群",
        kind="wecom",
        webhook_url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k",
    )
    response = client.post(reverse("notifications:department_robot_delete", args=[other.pk]))
    assert response.status_code == 404
    assert RobotConfig.objects.filter(pk=other.pk).exists()
