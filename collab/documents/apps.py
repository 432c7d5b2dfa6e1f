from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "collab.documents"
    label = "documents"
