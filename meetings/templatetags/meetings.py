"""Meeting parts shown on pages of the requirement register (which never imports us)."""

from django import template

from ..forms import ReviewMeetingForm
from ..selectors import review_meeting

register = template.Library()


@register.inclusion_tag("meetings/review_meeting_card.html")
def review_meeting_card(requirement, may_record: bool):
    """The 需求评审会 card of a requirement page: the recorded meeting, and the form to
    record it for whoever may (the page decides, with the requirement's own rule)."""
    return {
        "requirement": requirement,
        "review_meeting": review_meeting(requirement),
        "may_record": may_record,
        "meeting_form": ReviewMeetingForm() if may_record else None,
    }
