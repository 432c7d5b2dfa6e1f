from django import template

from ..sweep import failed_delivery_count

register = template.Library()


@register.inclusion_tag("notifications/admin_failed_deliveries.html")
def failed_deliveries_notice():
    """The admin index's count of failed deliveries, linking to them."""
    return {"failed": failed_delivery_count()}
