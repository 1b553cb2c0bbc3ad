app_name = "bankcollect"
urlpatterns: list = []
