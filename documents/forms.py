from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from collab.accounts.models import Department, User
from collab.core.forms import style_form

from .models import Access, Category
from .validation import check_upload


class FileCheckMixin:
    def clean_file(self):
        upload = self.cleaned_data.get("file")
        try:
            check_upload(upload)
        except ValidationError as error:
            raise ValidationError(error.message_dict.get("file", error.messages)) from error
        return upload


class DocumentUploadForm(FileCheckMixin, forms.Form):
    title = forms.CharField(label=_("标题"), max_length=200)
    category = forms.ChoiceField(label=_("类别"), choices=Category.choices)
    # Emptiness, size, type and content are checked by the service, with its reasons.
    file = forms.FileField(label=_("文件"), allow_empty_file=True, max_length=1000)
    note = forms.CharField(label=_("变更说明"), max_length=500, required=False)
    link = forms.CharField(widget=forms.HiddenInput, required=False)


class VersionUploadForm(FileCheckMixin, forms.Form):
    file = forms.FileField(label=_("文件"), allow_empty_file=True, max_length=1000)
    note = forms.CharField(label=_("变更说明"), max_length=500, required=False)


class PermissionsForm(forms.Form):
    group_access = forms.ChoiceField(
        label=_("协作小组（可见该需求的内部人员）"), choices=Access.choices
    )
    view_departments = forms.ModelMultipleChoiceField(
        label=_("可查看的部门"), queryset=Department.objects.all(), required=False
    )
    edit_departments = forms.ModelMultipleChoiceField(
        label=_("可编辑的部门"), queryset=Department.objects.all(), required=False
    )
    view_users = forms.ModelMultipleChoiceField(
        label=_("可查看的人员"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )
    edit_users = forms.ModelMultipleChoiceField(
        label=_("可编辑的人员"),
        queryset=User.objects.filter(is_active=True).order_by("username"),
        required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        style_form(self)

    def grant_specs(self):
        from .services import GrantSpec

        data = self.cleaned_data
        specs = [GrantSpec(level=Access.EDIT, department=d) for d in data["edit_departments"]]
        specs += [GrantSpec(level=Access.EDIT, user=u) for u in data["edit_users"]]
        editing_departments = {d.pk for d in data["edit_departments"]}
        editing_users = {u.pk for u in data["edit_users"]}
        specs += [
            GrantSpec(level=Access.VIEW, department=d)
            for d in data["view_departments"]
            if d.pk not in editing_departments
        ]
        specs += [
            GrantSpec(level=Access.VIEW, user=u)
            for u in data["view_users"]
            if u.pk not in editing_users
        ]
        return specs

    @classmethod
    def initial_for(cls, document) -> dict:
        grants = list(document.grants.all())
        return {
            "group_access": document.group_access,
            "view_departments": [
                g.department_id for g in grants if g.department_id and g.level == Access.VIEW
            ],
            "edit_departments": [
                g.department_id for g in grants if g.department_id and g.level == Access.EDIT
            ],
            "view_users": [g.user_id for g in grants if g.user_id and g.level == Access.VIEW],
            "edit_users": [g.user_id for g in grants if g.user_id and g.level == Access.EDIT],
        }
