from django import template

from ..services import clean_query, saved_views_for, saved_views_of, view_url

register = template.Library()


@register.inclusion_tag("saved_views/bar.html", takes_context=True)
def saved_views_bar(context, register_key: str, requirement=None):
    """The saved views of a register page and the form saving the current filters."""
    request = context["request"]
    views = list(saved_views_for(request.user, register_key, requirement))
    for view in views:
        view.url = view_url(view)
    return {
        "views": views,
        "register": register_key,
        "requirement": requirement,
        "query": clean_query(register_key, request.GET),
        "next": request.get_full_path(),
        "user": request.user,
        "csrf_token": context.get("csrf_token"),
    }


@register.inclusion_tag("saved_views/workbench.html", takes_context=True)
def my_saved_views(context):
    """The workbench card: the person's saved views and those shared with their groups."""
    request = context["request"]
    views = saved_views_of(request.user)
    for view in views:
        view.url = view_url(view)
    return {"views": views, "user": request.user}
