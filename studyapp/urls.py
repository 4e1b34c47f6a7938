from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from studyapp import views

admin.site.site_header = "API Gateway study app: administration"
admin.site.site_title = "Study app admin"

urlpatterns = [
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/signup/", views.signup, name="signup"),
    path("admin/", admin.site.urls),
    path("", include("sandbox.urls")),
    path("", include("quizzes.urls")),
    path("", include("notes.urls")),
]
