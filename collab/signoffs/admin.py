from django.contrib import admin

from .models import SignOff


@admin.register(SignOff)
class SignOffAdmin(admin.ModelAdmin):
    list_display = ["target", "stage", "round", "department", "signer", "decision", "signed_at"]
    list_filter = ["stage", "decision"]
    list_select_related = ["department", "signer", "content_type"]

    def has_change_permission(self, request, obj=None):
        return False  # immutable: a changed mind is a new sign-off

    def has_add_permission(self, request):
        return False  # signed through the product's pages and API, by the right head
