from django import forms
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department

from .models import SignOff


class SignForm(forms.Form):
    """The sign card's form: one decision, an optional comment (required by the service
    for a rejection) and the department slot signed for (empty: the personal slot)."""

    decision = forms.ChoiceField(label=_("意见"), choices=SignOff.Decision.choices)
    comment = forms.CharField(label=_("说明"), required=False, max_length=2000)
    department = forms.ModelChoiceField(queryset=Department.objects.all(), required=False)
