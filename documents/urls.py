from django.urls import path

from . import views

app_name = "documents"
urlpatterns = [
    path("", views.document_index_view, name="index"),
    path("requirement/<int:requirement_id>/", views.requirement_documents_view, name="requirement"),
    path("requirement/<int:requirement_id>/upload/", views.document_create_view, name="create"),
    path(
        "requirement/<int:requirement_id>/recycle-bin/",
        views.recycle_bin_view,
        name="recycle_bin",
    ),
    path("<int:pk>/", views.document_detail_view, name="detail"),
    path("<int:pk>/upload/", views.version_upload_view, name="upload_version"),
    path("<int:pk>/download/", views.download_view, name="download"),
    path(
        "<int:pk>/versions/<int:number>/download/",
        views.version_download_view,
        name="version_download",
    ),
    path("<int:pk>/downloads/", views.download_log_view, name="downloads"),
    path("<int:pk>/permissions/", views.permissions_view, name="permissions"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
    path("<int:pk>/restore/", views.restore_view, name="restore"),
]
