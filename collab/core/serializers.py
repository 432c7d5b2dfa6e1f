"""The API's serializers module: DRF's `rest_framework.serializers`, whose `Serializer`
and `ModelSerializer` bases harden every writable field they hold, declared or built
from the model:

- a related object is named by an integer id: `1.5`, `"1.5"`, `1.0` and `true` are
  refused with a field error instead of being truncated to 1;
- a date lies between `DATE_MIN` and `DATE_MAX` (collab.core.fields);
- a text has a maximum length (`TEXT_LONG` when the field names none), and a required
  text must hold visible characters (whitespace and invisible characters alone are
  blank).

Register APIs import it in place of DRF's: `from collab.core import serializers`.
Every other name (fields, exceptions, `ListSerializer`…) is DRF's own.
"""

from __future__ import annotations

import re

from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers as drf

from .fields import TEXT_LONG, validate_date_range, validate_visible

_DIGITS = re.compile(r"[0-9]+", re.ASCII)


def __getattr__(name):
    return getattr(drf, name)


class IdInteger(drf.IntegerField):
    """The id inside a related field: an integer or a string of digits, nothing else."""

    default_error_messages = {"invalid": _("请填写整数 id。")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
            isinstance(data, int) or (isinstance(data, str) and _DIGITS.fullmatch(data))
        ):
            self.fail("invalid")
        return super().to_internal_value(data)


def harden(field) -> None:
    """Apply the input rules above to one field (and the fields inside it)."""
    if isinstance(field, drf.ManyRelatedField):
        harden(field.child_relation)
        return
    if isinstance(field, drf.ListField | drf.DictField):
        harden(field.child)
        return
    if field.read_only:
        return
    if isinstance(field, drf.PrimaryKeyRelatedField) and field.pk_field is None:
        field.pk_field = IdInteger()
    elif isinstance(field, drf.DateField | drf.DateTimeField):
        _add(field, validate_date_range)
    elif isinstance(field, drf.CharField):
        if field.max_length is None:
            field.max_length = TEXT_LONG
            _add(field, MaxLengthValidator(TEXT_LONG))
        if not field.allow_blank:
            _add(field, validate_visible)


def _add(field, validator) -> None:
    if validator not in field.validators:
        field.validators.append(validator)


class HardenedFields:
    def get_fields(self):
        fields = super().get_fields()
        for field in fields.values():
            harden(field)
        return fields


class Serializer(HardenedFields, drf.Serializer):
    pass


class ModelSerializer(HardenedFields, drf.ModelSerializer):
    pass
