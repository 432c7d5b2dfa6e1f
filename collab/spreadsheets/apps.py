from django.apps import AppConfig


class SpreadsheetsConfig(AppConfig):
    name = "collab.spreadsheets"
    label = "spreadsheets"
