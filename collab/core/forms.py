"""The shared form layer: how every page form looks and behaves the same way.

`style_form(form)` is called at the end of a form's `__init__` (after its querysets are
set). It gives every control its Bootstrap class and an accessible name, turns choices of
people, departments and tasks into searchable selects (Tom Select, `static/js/forms.js`)
with people shown as name and department, turns date inputs into date pickers that follow
the page language (flatpickr), preselects a required choice that has only one option, and
fills today into the date fields the form names as usually being today.
"""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.core.widgets import PlainSelect

DATE_FORMAT = "%Y-%m-%d"
DATETIME_FORMAT = "%Y-%m-%d %H:%M"
# What a date-time picker posts, what a browser without script may type, and what older
# pages posted from native inputs.
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"]


def person_label(user) -> str:
    """A person as pickers show them: name and department, so namesakes differ."""
    department = getattr(user, "department", None)
    return f"{user.label}（{department.name}）" if department is not None else user.label


class DatePicker(forms.DateInput):
    """A date as ISO text (2026-11-29) with a calendar in the page language; without
    script it stays a plain text box that accepts the same format."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {"data-datepicker": "date", "autocomplete": "off", "placeholder": "YYYY-MM-DD"}
        super().__init__(attrs={**defaults, **(attrs or {})}, format=DATE_FORMAT)


class DateTimePicker(forms.DateTimeInput):
    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {
            "data-datepicker": "datetime",
            "autocomplete": "off",
            "placeholder": "YYYY-MM-DD HH:MM",
        }
        super().__init__(attrs={**defaults, **(attrs or {})}, format=DATETIME_FORMAT)


class SearchSelect(PlainSelect):
    """A single choice the user can search by typing (its options rendered as one
    string: lists of hundreds of people stay cheap)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs={"data-search-select": "", **(attrs or {})}, choices=choices)


class SearchSelectMultiple(forms.SelectMultiple):
    """Several choices picked by typing, shown as removable chips (no Ctrl-click)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(attrs={"data-search-select": "", **(attrs or {})}, choices=choices)


class StyledBoundField(forms.BoundField):
    """Marks a control whose field has errors (Bootstrap shows the message beside it)."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        if attrs.get("aria-invalid"):
            css = attrs.get("class", (widget or self.field.widget).attrs.get("class", ""))
            attrs["class"] = f"{css} is-invalid".strip()
        return attrs


SEARCHABLE_MODELS = (User, Department)


def _searchable(field) -> bool:
    if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
        return False
    model = field.queryset.model
    return issubclass(model, SEARCHABLE_MODELS) or model._meta.model_name == "task"


def _searchable_widget(field):
    old = field.widget
    if isinstance(old, forms.CheckboxSelectMultiple | forms.RadioSelect | SearchSelect):
        return old
    if isinstance(old, SearchSelectMultiple):
        return old
    attrs = {key: value for key, value in old.attrs.items() if key != "size"}
    if isinstance(old, forms.SelectMultiple):
        widget = SearchSelectMultiple(attrs=attrs)
    elif isinstance(old, forms.Select):
        widget = SearchSelect(attrs=attrs)
    else:
        return old
    widget.choices = old.choices
    widget.is_required = old.is_required
    return widget


def _picker_widget(field):
    old = field.widget
    if isinstance(field, forms.DateTimeField):
        missing = [fmt for fmt in DATETIME_INPUT_FORMATS if fmt not in field.input_formats]
        field.input_formats = [*field.input_formats, *missing]
    if isinstance(old, DatePicker | DateTimePicker):
        return old
    if isinstance(field, forms.DateTimeField) and isinstance(old, forms.DateTimeInput):
        return DateTimePicker(attrs=_keep(old.attrs))
    if isinstance(field, forms.DateField) and isinstance(old, forms.DateInput):
        return DatePicker(attrs=_keep(old.attrs))
    return old


def _keep(attrs: dict) -> dict:
    return {key: value for key, value in attrs.items() if key not in {"type"}}


def _preselect_only_choice(form, name: str, field) -> None:
    """A required single choice with exactly one option is chosen already."""
    if form.is_bound or not field.required or isinstance(field, forms.ModelMultipleChoiceField):
        return
    if form.initial.get(name) is not None or field.initial is not None:
        return
    options = list(field.queryset[:2])
    if len(options) == 1:
        form.initial[name] = options[0].pk


def style_form(
    form, *, small: bool = False, today: Iterable[str] = (), placeholders: bool = False
) -> None:
    """Apply the shared look and behaviour to every field of `form` (see module doc).

    `placeholders`: the form is laid out in one row without visible labels, so each
    text box also shows its label as a hint."""
    # Only a new record gets today; an edited one shows what is stored.
    instance = getattr(form, "instance", None)
    today = set() if getattr(instance, "pk", None) else set(today)
    for name, field in form.fields.items():
        if _searchable(field):
            if issubclass(field.queryset.model, User):
                field.queryset = field.queryset.select_related("department")
                field.label_from_instance = person_label
            field.widget = _searchable_widget(field)
            if isinstance(field.widget, SearchSelect):
                _preselect_only_choice(form, name, field)
        field.widget = _picker_widget(field)
        widget = field.widget
        if name in today and not form.is_bound and form.initial.get(name) is None:
            form.initial[name] = timezone.localdate()
        if not isinstance(widget, forms.CheckboxSelectMultiple | forms.RadioSelect):
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            if small:
                css += f" {css}-sm" if css == "form-select" else " form-control-sm"
            widget.attrs.setdefault("class", css)
        if field.label:
            # Pages that lay controls out inline show no <label>; the accessible name
            # still comes from the field.
            widget.attrs.setdefault("aria-label", field.label)
            if placeholders and not isinstance(widget, forms.Select):
                widget.attrs.setdefault("placeholder", field.label)
        if isinstance(widget, SearchSelect | SearchSelectMultiple):
            widget.attrs.setdefault("data-no-results", _("无匹配项"))
        field.bound_field_class = StyledBoundField
