"""Start-up validation of the settings that only their own module can parse (issue 10, item 4).

`ravao/settings.py` reads every `RAVAO_*` variable once, through `ravao.env`. A few values need code that
cannot run inside the settings module (the key parsers, the status colours of a model, a class named by
dotted path): `validate_configuration` runs them when Django starts (`RavaoConfig.ready`), so a malformed
value stops every command and every server at start-up with a `ConfigError` naming the variable, instead of
failing at the first check-in that needs it.
"""

from django.conf import settings
from django.utils.module_loading import import_string

from ravao.env import ConfigError

# Settings naming a class by dotted path, imported at start-up (a typo would otherwise surface at the first
# email or SMS, possibly inside a cron job nobody watches).
DOTTED_PATHS = (("RAVAO_EMAIL_BACKEND", "EMAIL_BACKEND"), ("RAVAO_SMS_SENDER", "RAVAO_SMS_SENDER"))


def validate_configuration() -> None:
    # The apps' conf modules read their variables at import (module constants), and so does the gunicorn
    # configuration of `ravao serve`: importing them here puts their errors at start-up too.
    import ravao.accounts.conf
    import ravao.gunicorn_conf
    import ravao.notifications.conf
    import ravao.oversight.conf
    import ravao.tracing.conf  # noqa: F401
    from ravao.lib.tokens import get_keyring
    from ravao.people.status import load_rules
    from ravao.privacy.crypto import keyring

    keyring()
    get_keyring()
    load_rules()
    for variable, setting in DOTTED_PATHS:
        path = getattr(settings, setting)
        try:
            import_string(path)
        except ImportError as exc:
            raise ConfigError(f"{variable} names a class that cannot be imported: {path!r} ({exc})") from None
