from django import template
from django.urls import reverse

from requests_app.selectors import requirements_visible_to

from .. import rules as perms
from ..selectors import documents_for
from ..services import link_key, requirement_id_of

register = template.Library()


@register.inclusion_tag("documents/_linked.html", takes_context=True)
def linked_documents(context, obj, category: str = ""):
    """Documents linked to `obj` that the current user may see, with an upload link
    that pre-fills the link (and category). Usage:
    `{% load documents %}{% linked_documents task "deliverable" %}`."""
    user = context["request"].user
    link = link_key(obj)
    upload_url = ""
    requirement_id = requirement_id_of(obj)
    requirement = (
        requirements_visible_to(user).filter(pk=requirement_id).first()
        if requirement_id is not None
        else None
    )
    if requirement is not None and perms.can_create_in(user, requirement):
        upload_url = reverse("documents:create", args=[requirement.pk]) + f"?link={link}"
        if category:
            upload_url += f"&category={category}"
    return {"documents": documents_for(obj, user), "upload_url": upload_url, "link": link}
