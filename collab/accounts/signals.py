"""API tokens end with the credentials they were issued for: a password change or a
deactivation revokes every token of the user, whatever path saved the user (API, admin,
password page, import)."""

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from .models import User


@receiver(pre_save, sender=User)
def remember_password_change(sender, instance: User, **kwargs):
    # set_password() keeps the raw password in _password until the save.
    instance._collab_password_changed = getattr(instance, "_password", None) is not None


@receiver(post_save, sender=User)
def revoke_tokens_of_changed_credentials(sender, instance: User, created: bool, **kwargs):
    if created:
        return
    if getattr(instance, "_collab_password_changed", False) or not instance.is_active:
        from .services import tokens_revoke_all

        tokens_revoke_all(user=instance)
