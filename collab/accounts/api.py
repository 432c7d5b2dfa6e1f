from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import mixins, permissions, viewsets
from rest_framework.decorators import api_view, permission_classes
from rest_framework.response import Response

from collab.core import serializers
from collab.core.api import ETagMixin, HistoryMixin

from .models import Department, User
from .selectors import sees_contact_details, users_visible_to


@extend_schema_field(OpenApiTypes.INT)
class DepartmentFilter(filters.ModelChoiceFilter):
    """A department given by id, for filters that match it through a method."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("queryset", Department.objects.all())
        super().__init__(*args, **kwargs)


class IsStaffOrReadOnly(permissions.BasePermission):
    """Everyone signed in reads; staff write (other systems sync the org chart)."""

    def has_permission(self, request, view):
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or request.user.is_staff


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "head"]

    def validate_code(self, value):
        value = value.strip().upper()
        if not value.isalnum() or not value.isascii():
            raise serializers.ValidationError(_("代码只能由字母和数字组成"))
        # Uniqueness of the normalized code (the field's own check saw the raw input).
        others = Department.objects.filter(code=value)
        if self.instance is not None:
            others = others.exclude(pk=self.instance.pk)
        if others.exists():
            raise serializers.ValidationError(_("该代码已被其他部门使用"))
        return value


@extend_schema_field(
    {
        "anyOf": [
            {"type": "string", "format": "email", "maxLength": 254},
            {"type": "string", "maxLength": 0},
        ]
    }
)
class OptionalEmailField(serializers.EmailField):
    """An e-mail address or blank: the schema must not promise the email format for ""."""


class UserSerializer(serializers.ModelSerializer):
    password = serializers.CharField(
        write_only=True, required=False, style={"input_type": "password"}
    )
    display_name = serializers.CharField(required=False, allow_blank=True, max_length=100)
    email = OptionalEmailField(required=False, allow_blank=True, max_length=254)

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "first_name",
            "last_name",
            "email",
            "phone",
            "department",
            "is_coordinator",
            "is_active",
            "password",
        ]

    def to_representation(self, instance):
        data = super().to_representation(instance)
        request = self.context.get("request")
        viewer = getattr(request, "user", None)
        if not sees_contact_details(viewer, instance):
            # Contact details are for staff, coordinators and the person only.
            data["email"] = ""
            data["phone"] = ""
        return data

    def validate(self, attrs):
        password = attrs.get("password")
        if password:
            candidate = self.instance or User(**{k: v for k, v in attrs.items() if k != "password"})
            try:
                validate_password(password, candidate)
            except DjangoValidationError as error:
                raise serializers.ValidationError({"password": list(error.messages)}) from error
        return attrs

    @transaction.atomic
    def create(self, validated_data):
        password = validated_data.pop("password", None)
        user = User(**validated_data)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        return user

    @transaction.atomic
    def update(self, instance, validated_data):
        password = validated_data.pop("password", None)
        for key, value in validated_data.items():
            setattr(instance, key, value)
        if password:
            instance.set_password(password)
        instance.save()
        return instance


class DepartmentViewSet(ETagMixin, HistoryMixin, viewsets.ModelViewSet):
    queryset = Department.objects.all()
    serializer_class = DepartmentSerializer
    permission_classes = [IsStaffOrReadOnly]
    filterset_fields = ["kind", "code"]
    search_fields = ["code", "name"]
    ordering_fields = ["code", "name"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]


class UserViewSet(
    ETagMixin, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet
):
    queryset = User.objects.select_related("department").order_by("username")
    serializer_class = UserSerializer

    def get_queryset(self):
        return users_visible_to(self.request.user).order_by("username")

    permission_classes = [IsStaffOrReadOnly]
    filterset_fields = ["department", "is_coordinator", "is_active"]
    search_fields = ["username", "display_name", "first_name", "last_name"]
    ordering_fields = ["username", "display_name"]


@api_view(["GET"])
@permission_classes([permissions.IsAuthenticated])
def me(request):
    return Response(UserSerializer(request.user, context={"request": request}).data)


me.cls.serializer_class = UserSerializer  # schema of the `me/` response


def register(router):
    router.register("departments", DepartmentViewSet, basename="department")
    router.register("users", UserViewSet, basename="user")
