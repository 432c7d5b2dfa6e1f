from django.urls import path

from . import handover_views

app_name = "identity"

urlpatterns = [
    path("handovers/<int:pk>/", handover_views.handover, name="handover"),
]
