from django.urls import path

from . import views

app_name = "cockpit"
urlpatterns = [
    path("", views.portfolio_view, name="portfolio"),
    path("kpis/", views.kpi_view, name="kpis"),
    path("kpis/export.xlsx", views.kpi_export_view, name="kpis-export"),
]
