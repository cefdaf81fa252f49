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
    path("2fa/recovery/", views.otp_recovery, name="otp_recovery"),
    path("2fa/recovery/new/", views.otp_recovery_regenerate, name="otp_recovery_regenerate"),
    # Password reset: by email (Django's signed link) or by SMS code.
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path("password/reset/code/", views.password_reset_code, name="password_reset_code"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("password/reset/done/", views.password_reset_complete, name="password_reset_complete"),
    # Staffing: who serves a unit.
    path("staff/<int:unit_id>/", views.staff, name="staff"),
    path("staff/<int:unit_id>/invite/", views.staff_invite_official, name="staff_invite"),
    path("staff/member/<int:membership_id>/role/", views.staff_change_role, name="staff_role"),
    path("staff/member/<int:membership_id>/remove/", views.staff_remove, name="staff_remove"),
    path("staff/member/<int:membership_id>/reset-2fa/", views.staff_reset_2fa, name="staff_reset_2fa"),
]
