from django.urls import path

from . import views

app_name = "saved_views"
urlpatterns = [
    path("save/", views.save_view, name="save"),
    path("<int:pk>/delete/", views.delete_view, name="delete"),
]
