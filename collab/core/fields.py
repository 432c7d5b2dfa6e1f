"""Model fields whose limits every channel obeys: pages, API, admin, Excel imports and
services.

- `CharField` and `TextField`: text is normalised (whitespace and the invisible
  characters U+200B, U+200C, U+200D, U+2060 and U+FEFF are stripped at both ends), a
  required text that is empty after normalisation is refused, and every text has a
  maximum length (`TEXT_SHORT`, `TEXT_MEDIUM`, `TEXT_LONG` for text areas).
- `DateField` and `DateTimeField`: dates between `DATE_MIN` and `DATE_MAX`.

The rules are the fields' validators, so ModelForms (pages, admin) and the serializers DRF
builds from a model apply them with a field error. They are checked again when a row is
saved (`pre_save`), so a write path that validates nothing still cannot store an
over-long text, a blank-looking required text or a date out of range: the save raises
ValidationError keyed by the field, which pages, the API and imports report like any
other field error. Raised inside the save, it spoils an enclosing transaction the way a
database error does; services let it leave their atomic block. Historical records
(simple-history) copy what was saved and are not checked again.
"""

from __future__ import annotations

import contextlib
import datetime
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalChanges

TEXT_SHORT = 2_000  # reasons, comments, remarks, progress notes
TEXT_MEDIUM = 5_000  # descriptions: goal, outcomes, measures, plans' resources
TEXT_LONG = 20_000  # documents written in Collab: minutes, agendas, plan steps, summaries

DATE_MIN = datetime.date(2000, 1, 1)
DATE_MAX = datetime.date(2100, 12, 31)

INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff"
_EDGES = re.compile(rf"^[\s{INVISIBLE}]+|[\s{INVISIBLE}]+\Z")

BLANK_MESSAGE = _("此项不能为空（只有空格或不可见字符也算空）")


def normalize_text(value):
    """`value` without whitespace and invisible characters at its ends."""
    return _EDGES.sub("", value) if isinstance(value, str) else value


def validate_visible(value) -> None:
    """Refuse a text that is empty once normalised (required fields)."""
    if isinstance(value, str) and not normalize_text(value):
        raise ValidationError(BLANK_MESSAGE, code="blank")


def validate_date_range(value) -> None:
    if isinstance(value, datetime.datetime):
        # 9999-12-31 late in the day has no local date east of UTC: its UTC date is kept.
        with contextlib.suppress(OverflowError):
            value = timezone.localtime(value) if timezone.is_aware(value) else value
        value = value.date()
    if isinstance(value, datetime.date) and not DATE_MIN <= value <= DATE_MAX:
        raise ValidationError(
            _("日期须在 %(min)s 至 %(max)s 之间"),
            code="date_range",
            params={"min": DATE_MIN.isoformat(), "max": DATE_MAX.isoformat()},
        )


def _checked(field, instance, value, check) -> None:
    """Run `check(value)` for a row being saved; its error is keyed by the field."""
    if isinstance(instance, HistoricalChanges):
        return
    try:
        check(value)
    except ValidationError as error:
        raise ValidationError({field.name: error.messages}) from error


class _NormalizedText:
    default_error_messages = {"blank": BLANK_MESSAGE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Like CharField's own MaxLengthValidator: part of `validators`, not of the
        # constructor arguments a migration records.
        if not self.blank:
            self.validators.append(validate_visible)

    def to_python(self, value):
        return normalize_text(super().to_python(value))

    def pre_save(self, model_instance, add):
        value = normalize_text(super().pre_save(model_instance, add))
        setattr(model_instance, self.attname, value)
        if isinstance(value, str) and (value or not self.blank):
            _checked(self, model_instance, value, self._check_saved)
        return value

    def _check_saved(self, value) -> None:
        if not value and not self.blank:
            raise ValidationError(BLANK_MESSAGE, code="blank")
        self.run_validators(value)


class CharField(_NormalizedText, models.CharField):
    """A one-line text: normalised, required means visible text."""


class TextField(_NormalizedText, models.TextField):
    """A text area: normalised, required means visible text, at most `max_length`
    characters (`TEXT_MEDIUM` unless given)."""

    def __init__(self, *args, max_length=TEXT_MEDIUM, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))


class DateField(models.DateField):
    """A date between DATE_MIN and DATE_MAX."""

    default_validators = [validate_date_range]

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if value is not None:
            _checked(self, model_instance, value, lambda v: validate_date_range(self.to_python(v)))
        return value


class DateTimeField(models.DateTimeField):
    """A moment whose date lies between DATE_MIN and DATE_MAX."""

    default_validators = [validate_date_range]

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if value is not None:
            _checked(self, model_instance, value, lambda v: validate_date_range(self.to_python(v)))
        return value
