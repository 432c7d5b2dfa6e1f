"""Reading the org chart of each source into one shape: departments (id, name, parent,
heads) and people (id, name, department, title, e-mail, mobile).

The company itself (DingTalk and WeCom department 1, Feishu's root "0", the LDAP base)
is not a department; people placed only there keep their Collab department.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from .platforms import DingTalk, Feishu, NotConfigured, WeCom


@dataclass
class SourceDepartment:
    external_id: str
    name: str
    parent_external_id: str = ""
    head_ids: list[str] = field(default_factory=list)


@dataclass
class SourcePerson:
    external_id: str
    name: str
    department_external_id: str = ""
    title: str = ""
    email: str = ""
    mobile: str = ""
    union_id: str = ""
    open_id: str = ""


@dataclass
class Snapshot:
    departments: list[SourceDepartment]
    people: list[SourcePerson]


def normal_mobile(value: str) -> str:
    """Mainland numbers without their country code (Feishu gives +8613…, the others
    13…), so a person is matched by mobile whichever platform wrote it."""
    value = (value or "").replace(" ", "").replace("-", "")
    if value.startswith("+86"):
        value = value[3:]
    return value


def _add_person(people: dict[str, SourcePerson], person: SourcePerson) -> None:
    # Someone in several departments keeps the first one found (the platforms list the
    # main department first).
    person.mobile = normal_mobile(person.mobile)
    people.setdefault(person.external_id, person)


def dingtalk() -> Snapshot:
    client = DingTalk.from_settings()
    departments, people = [], {}
    for dept in client.departments():
        dept_id = str(dept["dept_id"])
        is_root = dept_id == "1"
        if not is_root:
            parent = str(dept.get("parent_id", ""))
            departments.append(
                SourceDepartment(
                    dept_id,
                    dept["name"],
                    "" if parent == "1" else parent,
                    [str(u) for u in dept.get("dept_manager_userid_list") or []],
                )
            )
        for user in client.users(dept["dept_id"]):
            main = [str(d) for d in user.get("dept_id_list") or [] if str(d) != "1"]
            _add_person(
                people,
                SourcePerson(
                    external_id=user["userid"],
                    name=user.get("name", ""),
                    department_external_id=main[0] if main else "",
                    title=user.get("title", ""),
                    email=user.get("email") or user.get("org_email") or "",
                    mobile=user.get("mobile", ""),
                    union_id=user.get("unionid", ""),
                ),
            )
    return Snapshot(departments, list(people.values()))


def feishu() -> Snapshot:
    client = Feishu.from_settings()
    departments = [
        SourceDepartment(
            dept["open_department_id"],
            dept["name"],
            ""
            if dept.get("parent_department_id") in ("0", "", None)
            else dept["parent_department_id"],
            [dept["leader_user_id"]] if dept.get("leader_user_id") else [],
        )
        for dept in client.departments()
    ]
    people: dict[str, SourcePerson] = {}
    for dept_id in ["0", *(d.external_id for d in departments)]:
        for user in client.users(dept_id):
            if (user.get("status") or {}).get("is_resigned"):
                continue
            ids = [d for d in user.get("department_ids") or [] if d != "0"]
            _add_person(
                people,
                SourcePerson(
                    external_id=user["user_id"],
                    name=user.get("name", ""),
                    department_external_id=ids[0] if ids else "",
                    title=user.get("job_title", ""),
                    email=user.get("enterprise_email") or user.get("email") or "",
                    mobile=user.get("mobile", ""),
                    union_id=user.get("union_id", ""),
                    open_id=user.get("open_id", ""),
                ),
            )
    return Snapshot(departments, list(people.values()))


def wecom() -> Snapshot:
    """WeCom apps created since mid-2022 get neither mobile nor e-mail from the contacts
    API: those stay empty here and are never written over (SSO binds them)."""
    client = WeCom.from_settings(contacts=True)
    raw = client.departments()
    roots = {str(d["id"]) for d in raw if not d.get("parentid")}
    departments = [
        SourceDepartment(
            str(d["id"]),
            d["name"],
            "" if str(d.get("parentid", "")) in roots else str(d["parentid"]),
            [str(u) for u in d.get("department_leader") or []],
        )
        for d in raw
        if str(d["id"]) not in roots
    ]
    people: dict[str, SourcePerson] = {}
    for dept in raw:
        for user in client.users(dept["id"]):
            if user.get("status", 1) not in (1, 4):  # 2 disabled, 5 left
                continue
            main = str(user.get("main_department") or (user.get("department") or [""])[0])
            _add_person(
                people,
                SourcePerson(
                    external_id=user["userid"],
                    name=user.get("name", ""),
                    department_external_id="" if main in roots else main,
                    title=user.get("position", ""),
                    email=user.get("biz_mail") or user.get("email") or "",
                    mobile=user.get("mobile", ""),
                    open_id=user.get("open_userid", ""),
                ),
            )
    return Snapshot(departments, list(people.values()))


# LDAP / Active Directory
def _first(entry: dict, name: str) -> str:
    value = entry.get(name)
    if isinstance(value, list):
        value = value[0] if value else ""
    return str(value or "")


def _parent_dn(dn: str) -> str:
    from ldap3.utils.dn import safe_dn, to_dn

    parts = to_dn(dn)
    return safe_dn(parts[1:]).lower() if len(parts) > 1 else ""


def ldap_connection():
    import ldap3

    url = getattr(settings, "COLLAB_LDAP_URL", "")
    if not url:
        raise NotConfigured("COLLAB_LDAP_URL is not set")
    server = ldap3.Server(url, get_info=ldap3.NONE, connect_timeout=10)
    connection = ldap3.Connection(
        server,
        user=getattr(settings, "COLLAB_LDAP_BIND_DN", "") or None,
        password=getattr(settings, "COLLAB_LDAP_BIND_PASSWORD", "") or None,
        receive_timeout=30,
    )
    if getattr(settings, "COLLAB_LDAP_START_TLS", False):
        connection.open()
        connection.start_tls()
    connection.bind()
    return connection


def _search(connection, base: str, search_filter: str, attributes: list[str]) -> list[dict]:
    """Paged search (500 a page), as directories cap the size of one answer."""
    found, cookie = [], None
    while True:
        connection.search(
            base,
            search_filter,
            attributes=attributes,
            paged_size=500,
            paged_cookie=cookie,
        )
        for entry in connection.response or []:
            if entry.get("type", "searchResEntry") == "searchResEntry" and entry.get("dn"):
                found.append({"dn": entry["dn"], **dict(entry.get("attributes") or {})})
        control = (connection.result.get("controls") or {}).get("1.2.840.113556.1.4.319")
        cookie = (control or {}).get("value", {}).get("cookie")
        if not cookie:
            return found


def ldap(connection=None) -> Snapshot:
    """Departments are the organizational units below COLLAB_LDAP_BASE_DN (head: the
    unit's `managedBy`), people the entries of COLLAB_LDAP_USER_FILTER, identified by
    COLLAB_LDAP_USER_ID_ATTR (uid; sAMAccountName on AD), placed in the unit that holds
    them."""
    base = getattr(settings, "COLLAB_LDAP_BASE_DN", "")
    if not base:
        raise NotConfigured("COLLAB_LDAP_BASE_DN is not set")
    id_attr = getattr(settings, "COLLAB_LDAP_USER_ID_ATTR", "uid")
    connection = connection or ldap_connection()
    base_key = base.lower().replace(" ", "")
    units = _search(
        connection,
        base,
        getattr(settings, "COLLAB_LDAP_DEPARTMENT_FILTER", "(objectClass=organizationalUnit)"),
        ["ou", "managedBy", "description"],
    )
    unit_ids = {u["dn"].lower() for u in units} - {base_key}
    entries = _search(
        connection,
        base,
        getattr(settings, "COLLAB_LDAP_USER_FILTER", "(objectClass=inetOrgPerson)"),
        [id_attr, "cn", "displayName", "mail", "mobile", "title", "entryUUID"],
    )
    uid_of = {e["dn"].lower(): _first(e, id_attr) for e in entries}
    departments = []
    for unit in units:
        dn = unit["dn"].lower()
        if dn not in unit_ids:
            continue
        parent = _parent_dn(dn)
        head = uid_of.get(_first(unit, "managedBy").lower(), "")
        departments.append(
            SourceDepartment(
                dn,
                _first(unit, "ou") or dn,
                parent if parent in unit_ids else "",
                [head] if head else [],
            )
        )
    people = {}
    for entry in entries:
        uid = _first(entry, id_attr)
        if not uid:
            continue
        parent = _parent_dn(entry["dn"])
        _add_person(
            people,
            SourcePerson(
                external_id=uid,
                name=_first(entry, "displayName") or _first(entry, "cn"),
                department_external_id=parent if parent in unit_ids else "",
                title=_first(entry, "title"),
                email=_first(entry, "mail"),
                mobile=_first(entry, "mobile"),
            ),
        )
    return Snapshot(departments, list(people.values()))


SOURCES = {"dingtalk": dingtalk, "feishu": feishu, "wecom": wecom, "ldap": ldap}
