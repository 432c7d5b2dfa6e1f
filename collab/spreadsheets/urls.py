app_name = "spreadsheets"
urlpatterns: list = []
