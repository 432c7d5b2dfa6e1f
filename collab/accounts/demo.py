"""Demo organization: the seed's departments, a coordinator, heads and liaisons.

People have ordinary names (王芳); whoever prefers the seed's masked style switches on
name masking for their exports and prints (王*, see `masking`)."""

from .models import Department, User

DEMO_PASSWORD = "collab-demo"  # noqa: S105 (published demo logins)

DEPARTMENTS = [
    ("MKT", "市场部", "internal"),
    ("PRD", "产品部", "internal"),
    ("SAL", "销售部", "internal"),
    ("DSN", "设计部", "internal"),
    ("TEC", "技术部", "internal"),
    ("OPS", "运营部", "internal"),
    ("CHA", "渠道商A公司", "partner"),
]

# username, department, display name, role description, is_head, is_coordinator
PEOPLE = [
    ("director", None, "周建国", "协作协调人 coordinator", False, True),
    ("mkt_head", "MKT", "张伟", "市场部负责人 head, group leader", True, False),
    ("mkt_staff", "MKT", "王芳", "市场部发起人 initiator", False, False),
    ("prd_head", "PRD", "李强", "产品部负责人 head", True, False),
    ("prd_liaison", "PRD", "刘洋", "产品部接口人 liaison", False, False),
    ("sal_head", "SAL", "陈刚", "销售部负责人 head", True, False),
    ("sal_liaison", "SAL", "杨丽", "销售部接口人 liaison", False, False),
    ("dsn_head", "DSN", "赵敏", "设计部负责人 head", True, False),
    ("dsn_liaison", "DSN", "黄静", "设计部接口人 liaison", False, False),
    ("tec_head", "TEC", "吴磊", "技术部负责人 head", True, False),
    ("tec_staff", "TEC", "徐涛", "技术部成员 member", False, False),
    ("ops_head", "OPS", "孙倩", "运营部负责人 head", True, False),
    ("ops_staff", "OPS", "马超", "运营部成员 member", False, False),
    ("cha_contact", "CHA", "胡军", "渠道商A公司 partner liaison", True, False),
]


def _user(username, **fields):
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
    elif user.display_name.endswith("*") and fields.get("display_name"):
        # Demo data loaded when the demo people still had the seed's masked names
        # (市场部*): they get their names; a name someone chose is left alone.
        user.display_name = fields["display_name"]
        user.save(update_fields=["display_name"])
    return user


def load(context: dict) -> None:
    departments = {}
    for code, name, kind in DEPARTMENTS:
        departments[code], _ = Department.objects.update_or_create(
            code=code, defaults={"name": name, "kind": kind}
        )
    users = {}
    logins = []
    for username, code, display, role, is_head, is_coordinator in PEOPLE:
        users[username] = _user(
            username,
            department=departments.get(code),
            display_name=display,
            is_coordinator=is_coordinator,
        )
        if is_head and departments[code].head_id is None:
            departments[code].head = users[username]
            departments[code].save(update_fields=["head"])
        logins.append((username, role))
    admin = _user("admin", is_staff=True, is_superuser=True, display_name="管理员")
    logins.append(("admin", "管理员 admin (Django admin)"))
    users["admin"] = admin
    context.update(departments=departments, users=users, logins=logins, password=DEMO_PASSWORD)
