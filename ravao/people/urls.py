from django.urls import path

from ravao.people import views, views_verify

app_name = "people"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/declaration/", views.declaration_edit, name="declaration_edit"),
    path("me/profile/", views.profile_edit, name="profile_edit"),
    path("me/forget-device/", views.forget_device, name="forget_device"),
    path("me/delete/", views.delete_profile, name="delete_profile"),
    path("me/card/", views.wallet_card, name="wallet_card"),
    path("me/family/", views.family_declare, name="family_declare"),
    path("me/family/<uuid:public_id>/card/", views.family_card, name="family_card"),
    path("me/family/<uuid:public_id>/edit/", views.family_edit, name="family_edit"),
    path("me/family/<uuid:public_id>/remove/", views.family_remove, name="family_remove"),
    path("me/verify/", views_verify.verify_start, name="verify"),
    path("me/verify/<uuid:public_id>/", views_verify.verify_code, name="verify_code"),
]
