from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.views.generic import RedirectView

from studyapp import views

admin.site.site_header = "API Gateway study app: administration"
admin.site.site_title = "Study app admin"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("admin/", admin.site.urls),
    # Browsers ask for /favicon.ico whatever the page says (the admin's pages name no icon).
    path("favicon.ico", RedirectView.as_view(url=static("img/favicon.svg"), permanent=True)),
    path("", include("sandbox.urls")),
    path("", include("quizzes.urls")),
    path("", include("notes.urls")),
]
