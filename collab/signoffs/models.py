from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

from collab.core import fields


class SignOff(models.Model):
    """One signature (签字确认) on any object; immutable: a changed mind is a new row.

    `department` is empty for the coordinator's own slot.
    """

    class Decision(models.TextChoices):
        APPROVE = "approve", _("同意")
        REJECT = "reject", _("不同意")

    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")
    stage = models.CharField(_("环节"), max_length=40)
    round = models.PositiveIntegerField(_("轮次"), default=1)
    department = models.ForeignKey(
        "accounts.Department",
        verbose_name=_("部门"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signoffs",
    )
    signer = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("签字人"), on_delete=models.PROTECT
    )
    decision = models.CharField(_("意见"), max_length=10, choices=Decision.choices)
    comment = fields.TextField(_("说明"), blank=True, max_length=fields.TEXT_SHORT)
    signed_at = models.DateTimeField(_("签字时间"), auto_now_add=True)

    class Meta:
        ordering = ["signed_at", "id"]
        verbose_name = _("签字")
        verbose_name_plural = _("签字")
        indexes = [models.Index(fields=["content_type", "object_id", "stage", "round"])]

    def __str__(self):
        return f"{self.department or _('协调人')} {self.get_decision_display()}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Sign-offs are immutable; record a new one instead.")
        super().save(*args, **kwargs)
