"""Pages of the document store. Every page goes through selectors (404 for what the
user may not see) and rules; writes go through services."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from collab.core.history import history_entries
from collab.core.pages import apply_errors
from collab.core.versioning import save_edit, versioned
from requests_app.pages import requirement_or_404

from . import rules as perms
from . import services
from .forms import DocumentUploadForm, PermissionsForm, VersionUploadForm
from .models import Category
from .selectors import (
    access_summary,
    document_detail,
    document_list,
    download_log,
    recycle_cutoff,
    version_rows,
)


def _document_or_404(request, pk):
    return get_object_or_404(document_detail(request.user), pk=pk)


def _rows(documents, user):
    return [
        {
            "document": d,
            "access": access_summary(d),
            "can_edit": perms.can_edit(user, d),
        }
        for d in documents
    ]


def _wants_json(request) -> bool:
    return request.headers.get("x-requested-with") == "XMLHttpRequest"


def _error_messages(error: ValidationError) -> dict:
    if hasattr(error, "error_dict"):
        return {field: [str(m) for m in msgs] for field, msgs in error.message_dict.items()}
    return {"__all__": [str(m) for m in error.messages]}


def _form_errors(form) -> dict:
    return {field: [str(m) for m in msgs] for field, msgs in form.errors.items()}


@login_required
def document_index_view(request):
    qs = document_list(request.user)
    params = request.GET
    if params.get("category") in Category.values:
        qs = qs.filter(category=params["category"])
    if params.get("requirement", "").isdigit():
        qs = qs.filter(requirement_id=int(params["requirement"]))
    if params.get("q"):
        qs = qs.filter(title__icontains=params["q"].strip())
    page = Paginator(qs.order_by("-updated_at", "-id"), 50).get_page(params.get("page"))
    return render(
        request,
        "documents/index.html",
        {
            "page_obj": page,
            "rows": _rows(page.object_list, request.user),
            "categories": Category.choices,
        },
    )


@login_required
def requirement_documents_view(request, requirement_id):
    requirement = requirement_or_404(request, requirement_id)
    documents = list(
        document_list(request.user)
        .filter(requirement=requirement)
        .order_by("category", "title", "id")
    )
    groups = []
    for value, label in Category.choices:
        rows = _rows([d for d in documents if d.category == value], request.user)
        if rows:
            groups.append({"category": value, "label": label, "rows": rows})
    return render(
        request,
        "documents/requirement_documents.html",
        {
            "requirement": requirement,
            "groups": groups,
            "count": len(documents),
            "can_create": perms.can_create_in(request.user, requirement),
            "can_open_recycle_bin": perms.can_open_recycle_bin(request.user, requirement),
        },
    )


def _limits() -> dict:
    return {
        "max_size": settings.DOCUMENTS_MAX_UPLOAD_BYTES,
        "allowed": "、".join(settings.DOCUMENTS_ALLOWED_EXTENSIONS),
    }


def _upload_response(request, template, context, form, error_status=400):
    if _wants_json(request):
        return JsonResponse({"errors": _form_errors(form)}, status=error_status)
    return render(request, template, context, status=error_status)


def _upload_form(request, requirement):
    """The upload form (link and category prefilled from the query) and the linked object."""
    link_value = request.POST.get("link") or request.GET.get("link") or ""
    initial = {"link": link_value}
    if request.GET.get("category") in Category.values:
        initial["category"] = request.GET["category"]
    form = DocumentUploadForm(request.POST or None, request.FILES or None, initial=initial)
    linked = None
    if link_value:
        try:
            linked = services.resolve_link(link_value, requirement=requirement)
        except ValidationError:
            linked = None
    return form, linked


@login_required
def document_create_view(request, requirement_id):
    requirement = requirement_or_404(request, requirement_id)
    if not perms.can_create_in(request.user, requirement):
        raise PermissionDenied
    form, linked = _upload_form(request, requirement)
    context = {
        "form": form,
        "requirement": requirement,
        "document": None,
        "linked": linked,
        **_limits(),
    }
    if request.method != "POST":
        return render(request, "documents/upload.html", context)
    if form.is_valid():
        data = form.cleaned_data
        try:
            link = services.resolve_link(data["link"], requirement=requirement)
            document = services.document_create(
                requirement=requirement,
                actor=request.user,
                title=data["title"],
                category=data["category"],
                upload=data["file"],
                note=data["note"],
                link=link,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            url = reverse("documents:detail", args=[document.pk])
            messages.success(request, _("已上传《%(title)s》V1") % {"title": document.title})
            if _wants_json(request):
                return JsonResponse({"redirect": url, "id": document.pk}, status=201)
            return redirect(url)
    return _upload_response(request, "documents/upload.html", context, form)


@login_required
def version_upload_view(request, pk):
    document = _document_or_404(request, pk)
    if not perms.can_edit(request.user, document):
        raise PermissionDenied
    form = VersionUploadForm(request.POST or None, request.FILES or None)
    context = {
        "form": form,
        "requirement": document.requirement,
        "document": document,
        **_limits(),
    }
    if request.method != "POST":
        return render(request, "documents/upload.html", context)
    if form.is_valid():
        try:
            version = services.document_add_version(
                document=document,
                actor=request.user,
                upload=form.cleaned_data["file"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            url = reverse("documents:detail", args=[document.pk])
            messages.success(request, _("已上传新版本 V%(n)s") % {"n": version.number})
            if _wants_json(request):
                return JsonResponse({"redirect": url, "version": version.number}, status=201)
            return redirect(url)
    return _upload_response(request, "documents/upload.html", context, form)


@login_required
def document_detail_view(request, pk):
    document = _document_or_404(request, pk)
    user = request.user
    return render(
        request,
        "documents/detail.html",
        {
            "document": document,
            "requirement": document.requirement,
            "versions": version_rows(document),
            "access": access_summary(document),
            "history": history_entries(document),
            "can_edit": perms.can_edit(user, document),
            "can_manage": perms.can_manage(user, document),
            "sees_requirement": document.acl_sees_requirement,
            "linked": document.linked if document.content_type_id else None,
        },
    )


def _send(request, pk, number=None):
    document = _document_or_404(request, pk)
    version, handle = services.document_download(
        document=document, actor=request.user, number=number, channel="web"
    )
    response = FileResponse(
        handle, as_attachment=True, filename=version.original_name, content_type=version.mime_type
    )
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def download_view(request, pk):
    return _send(request, pk)


@login_required
def version_download_view(request, pk, number):
    return _send(request, pk, number)


@login_required
def download_log_view(request, pk):
    document = _document_or_404(request, pk)
    if not perms.can_manage(request.user, document):
        raise PermissionDenied
    page = Paginator(download_log(document), 100).get_page(request.GET.get("page"))
    return render(
        request,
        "documents/downloads.html",
        {"document": document, "requirement": document.requirement, "page_obj": page},
    )


@login_required
def permissions_view(request, pk):
    document = _document_or_404(request, pk)
    if not perms.can_manage(request.user, document):
        raise PermissionDenied
    form = versioned(PermissionsForm(request.POST or None), document)
    if request.method == "POST" and form.is_valid():
        saved = save_edit(
            request,
            form,
            lambda data: services.document_set_permissions(
                document=document,
                actor=request.user,
                group_access=data["group_access"],
                grants=form.grant_specs(),
            ),
            _("权限已更新"),
        )
        if saved is not None:
            return redirect("documents:detail", pk=document.pk)
    return render(
        request,
        "documents/permissions.html",
        {"document": document, "requirement": document.requirement, "form": form},
    )


@login_required
@require_POST
def delete_view(request, pk):
    document = _document_or_404(request, pk)
    try:
        services.document_delete(document=document, actor=request.user)
    except PermissionDenied as error:
        messages.error(request, str(error))
        return redirect("documents:detail", pk=pk)
    messages.success(request, _("《%(title)s》已移入回收站") % {"title": document.title})
    return redirect("documents:requirement", requirement_id=document.requirement_id)


@login_required
def recycle_bin_view(request, requirement_id):
    requirement = requirement_or_404(request, requirement_id)
    if not perms.can_open_recycle_bin(request.user, requirement):
        raise PermissionDenied
    documents = (
        document_list(request.user, deleted=True)
        .filter(requirement=requirement)
        .order_by("-deleted_at", "-id")
    )
    cutoff = recycle_cutoff()
    return render(
        request,
        "documents/recycle_bin.html",
        {
            "requirement": requirement,
            "rows": [{"document": d, "restorable": d.deleted_at >= cutoff} for d in documents],
        },
    )


@login_required
@require_POST
def restore_view(request, pk):
    document = get_object_or_404(document_list(request.user, deleted=True), pk=pk)
    try:
        services.document_restore(document=document, actor=request.user)
    except (PermissionDenied, ValidationError) as error:
        messages.error(request, "；".join(getattr(error, "messages", [str(error)])))
        return redirect("documents:recycle_bin", requirement_id=document.requirement_id)
    messages.success(request, _("《%(title)s》已恢复") % {"title": document.title})
    return redirect("documents:detail", pk=document.pk)
