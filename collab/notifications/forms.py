from django import forms

from .models import ChannelPreference


class ChannelPreferenceForm(forms.ModelForm):
    class Meta:
        model = ChannelPreference
        fields = ["inbox", "email", "robots", "digest", "work_notice"]
        widgets = {
            **{
                name: forms.CheckboxInput(attrs={"class": "form-check-input"})
                for name in ["inbox", "email", "robots", "digest"]
            },
            "work_notice": forms.Select(attrs={"class": "form-select form-select-sm"}),
        }

    def clean_work_notice(self):
        from .personal import work_notice_error

        value = self.cleaned_data.get("work_notice") or ""
        error = work_notice_error(self.instance.user, value)
        if error:
            raise forms.ValidationError(error)
        return value


class DepartmentRobotForm(forms.ModelForm):
    class Meta:
        from .models import RobotConfig

        model = RobotConfig
        fields = ["name", "kind", "webhook_url", "secret", "language", "is_active"]
        widgets = {
            "name": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "kind": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "webhook_url": forms.URLInput(attrs={"class": "form-control form-control-sm"}),
            "secret": forms.TextInput(attrs={"class": "form-control form-control-sm"}),
            "language": forms.Select(attrs={"class": "form-select form-select-sm"}),
            "is_active": forms.CheckboxInput(attrs={"class": "form-check-input"}),
        }

    def _post_clean(self):
        # The whole robot (with its department) is validated by the service.
        pass
