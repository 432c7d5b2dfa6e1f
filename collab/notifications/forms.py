from django import forms

from .models import ChannelPreference


class ChannelPreferenceForm(forms.ModelForm):
    class Meta:
        model = ChannelPreference
        fields = ["inbox", "email", "robots", "digest"]
        widgets = {
            name: forms.CheckboxInput(attrs={"class": "form-check-input"})
            for name in ["inbox", "email", "robots", "digest"]
        }
