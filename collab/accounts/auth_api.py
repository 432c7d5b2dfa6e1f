"""API authentication: token issue (throttled, with login lockout), logout and token
revocation, the token list for admins, and the caller's own password change."""

from django.contrib.auth import authenticate, logout
from django.core.cache import caches
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import permissions, status
from rest_framework.authentication import SessionAuthentication
from rest_framework.exceptions import Throttled
from rest_framework.response import Response
from rest_framework.throttling import AnonRateThrottle
from rest_framework.views import APIView

from collab.core import serializers
from collab.core.api import validation_error_detail

from . import services
from .lockout import lockout_message, seconds_until_unlocked
from .tokens import TokenAuthentication


class AuthRateThrottle(AnonRateThrottle):
    """Requests per client address on the token endpoint (COLLAB_AUTH_THROTTLE_RATE)."""

    scope = "auth"

    @property
    def cache(self):
        return caches["throttle"]

    def get_rate(self):
        from django.conf import settings

        return settings.COLLAB_AUTH_THROTTLE_RATE

    def allow_request(self, request, view):
        # Every request counts, signed in or not: the point is to slow password guessing.
        if self.rate is None:
            return True
        self.key = self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(help_text="Send as `Authorization: Token <token>`")
    expiry = serializers.DateTimeField(allow_null=True)


class TokenInfoSerializer(serializers.ModelSerializer):
    id = serializers.CharField(source="digest", read_only=True)
    username = serializers.CharField(source="user.username", read_only=True)

    class Meta:
        model = AuthToken
        fields = ["id", "user", "username", "created", "expiry"]
        read_only_fields = fields


class PasswordChangeSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=4096, trim_whitespace=False)
    new_password = serializers.CharField(max_length=4096, trim_whitespace=False)


class ObtainTokenView(APIView):
    """POST: a new token for username and password. DELETE: revoke the token sent."""

    authentication_classes = [TokenAuthentication]
    throttle_classes = [AuthRateThrottle]

    def get_permissions(self):
        if self.request.method == "DELETE":
            return [permissions.IsAuthenticated()]
        return [permissions.AllowAny()]

    def get_throttles(self):
        return [AuthRateThrottle()] if self.request.method == "POST" else []

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer},
        auth=[],
        description="Exchange username and password for a token. Repeated failures lock "
        "the username (429 with how long to wait); requests per address are throttled.",
    )
    def post(self, request):
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            request=django_request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            seconds = seconds_until_unlocked(body.validated_data["username"])
            raise Throttled(wait=seconds, detail=lockout_message(seconds))
        if user is None or not user.is_active:
            raise serializers.ValidationError({"non_field_errors": [_("用户名或密码不正确")]})
        token, key = services.token_issue(user=user)
        return Response(TokenSerializer({"token": key, "expiry": token.expiry}).data)

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutView(APIView):
    """Revoke the token sent (and end the browser session, if any)."""

    authentication_classes = [TokenAuthentication, SessionAuthentication]

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        else:
            logout(request._request)
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    """Revoke every token of the caller."""

    @extend_schema(request=None, responses={204: None})
    def post(self, request):
        services.tokens_revoke_all(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The caller's tokens; staff see everyone's (filter with `?user=<id>`)."""

    @extend_schema(responses={200: TokenInfoSerializer(many=True)})
    def get(self, request):
        tokens = services.tokens_visible_to(request.user)
        user = request.query_params.get("user")
        if user is not None:
            if not user.isdigit():
                return Response({"user": [_("请输入整数")]}, status=status.HTTP_400_BAD_REQUEST)
            tokens = tokens.filter(user_id=int(user))
        return Response(TokenInfoSerializer(tokens[:500], many=True).data)


class TokenDetailView(APIView):
    @extend_schema(request=None, responses={204: None})
    def delete(self, request, digest: str):
        token = get_object_or_404(services.tokens_visible_to(request.user), digest=digest)
        services.token_revoke(token=token, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordChangeView(APIView):
    """Change the caller's own password; every token of the caller is revoked."""

    @extend_schema(
        request=PasswordChangeSerializer,
        responses={
            200: inline_serializer("PasswordChanged", {"detail": serializers.CharField()}),
            400: OpenApiResponse(description="wrong old password or a weak new one"),
        },
    )
    def post(self, request):
        body = PasswordChangeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            services.user_change_password(
                user=request.user, actor=request.user, **body.validated_data
            )
        except DjangoValidationError as error:
            return Response(validation_error_detail(error), status=status.HTTP_400_BAD_REQUEST)
        if request.auth is None:
            # A browser session stays signed in after its own password change.
            from django.contrib.auth import update_session_auth_hash

            update_session_auth_hash(request._request, request.user)
        return Response({"detail": _("密码已修改，所有 API 令牌已失效，请重新获取")})
