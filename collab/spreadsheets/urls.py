from django.urls import path

from . import views

app_name = "spreadsheets"
urlpatterns = [
    path("", views.index_view, name="index"),
    path("requirements/<int:pk>/", views.requirement_view, name="requirement"),
    path("requirements/<int:pk>/dossier.xlsx", views.dossier_view, name="dossier"),
    path("export/<slug:register>.<str:fmt>", views.export_view, name="export"),
    path("template/<slug:register>.xlsx", views.template_view, name="template"),
    path("import/", views.upload_view, name="upload"),
    path("imports/<int:pk>/", views.batch_view, name="batch"),
    path("imports/<int:pk>/progress/", views.batch_progress_view, name="batch_progress"),
    path("imports/<int:pk>/confirm/", views.confirm_view, name="confirm"),
    path("exports/<int:pk>/", views.job_view, name="job"),
    path("exports/<int:pk>/progress/", views.job_progress_view, name="job_progress"),
    path("exports/<int:pk>/download/", views.job_download_view, name="job_download"),
]
