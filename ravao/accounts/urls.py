from django.contrib.auth import views as auth_views
from django.urls import path

from ravao.accounts import views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("signup/", views.signup, name="signup"),
    path("invitation/<str:token>/", views.accept_invitation, name="invitation"),
    path("security/", views.security, name="security"),
    path("password/", views.password_change, name="password_change"),
    path("2fa/enrol/", views.otp_enrol, name="otp_enrol"),
    path("2fa/verify/", views.otp_verify, name="otp_verify"),
    path("2fa/disable/", views.otp_disable, name="otp_disable"),
]
