from requests_app.models import RequirementStatus
from tests.factories import confirm_requirement, make_requirement


def test_requirement_is_numbered_and_confirmed(org):
    requirement = make_requirement(org)
    assert requirement.number.endswith("-MKT-001")
    confirm_requirement(org, requirement)
    requirement.refresh_from_db()
    assert requirement.status == RequirementStatus.CONFIRMED
