from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "collab.meetings"
    label = "meetings"
