from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from ravao.accounts.forms import AcceptInvitationForm, LoginForm, SignupForm
from ravao.accounts.models import Invitation, User
from ravao.accounts.services import invitation_accept, user_create


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A venue manager creates an account, then registers the venue."""
    if request.user.is_authenticated:
        return redirect("places:dashboard")
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_create(
            login=form.cleaned_data["login"],
            password=form.cleaned_data["password"],
            full_name=form.cleaned_data["full_name"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("places:venue_new")
    return render(request, "accounts/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, token: str) -> HttpResponse:
    invitation = (
        Invitation.objects.select_related("venue").filter(token=token, accepted_at__isnull=True).first()
    )
    if invitation is None:
        raise Http404
    existing = User.objects.filter(username=invitation.login).first()
    if existing is not None:
        # An existing account joins by logging in as itself, never by a link alone.
        if request.user != existing:
            return render(request, "accounts/invitation_login.html", {"invitation": invitation})
        if request.method == "POST":
            invitation_accept(invitation=invitation, password="")
            return redirect("places:dashboard")
        return render(request, "accounts/invitation.html", {"invitation": invitation, "form": None})
    form = AcceptInvitationForm(request.POST or None, login=invitation.login)
    if request.method == "POST" and form.is_valid():
        user = invitation_accept(invitation=invitation, password=form.cleaned_data["password"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("places:dashboard")
    return render(
        request,
        "accounts/invitation.html",
        {"invitation": invitation, "form": form},
        status=400 if form.errors else 200,
    )
