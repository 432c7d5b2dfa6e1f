"""A deactivated person's calendar URL stops working at once, whatever path saved them."""

from django.db.models.signals import post_save
from django.dispatch import receiver

from collab.accounts.models import User


@receiver(post_save, sender=User)
def revoke_feed_of_deactivated_user(sender, instance: User, created: bool, **kwargs):
    if not created and not instance.is_active:
        from .services import calendar_feed_revoke

        calendar_feed_revoke(user=instance)
