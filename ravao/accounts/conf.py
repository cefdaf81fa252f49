"""Settings of staffing, invitations and password resets (BRIEF §3: every threshold is a setting).

Read once at import from the environment through the typed helpers of `ravao.env`, so a bad value stops
the process at start-up. Documented in docs/configuration.md ("Staff accounts")."""

from ravao.env import env_bool, env_int

# An invitation link (staff, officials, the first administrator) works once, for this many days.
INVITATION_DAYS = env_int("RAVAO_INVITATION_DAYS", 7, minimum=1)
# A commune official may invite the commune's health station staff (health officer at commune level).
# Off by default: a health officer reads contact lists, so granting that stays the administrators' decision
# unless the province delegates it.
COMMUNE_MAY_INVITE_HEALTH_STAFF = env_bool("RAVAO_COMMUNE_MAY_INVITE_HEALTH_STAFF", False)
# A password-reset code sent by SMS works for this many minutes and this many wrong tries.
PASSWORD_RESET_CODE_MINUTES = env_int("RAVAO_PASSWORD_RESET_CODE_MINUTES", 15, minimum=1)
PASSWORD_RESET_CODE_ATTEMPTS = env_int("RAVAO_PASSWORD_RESET_CODE_ATTEMPTS", 5, minimum=1)
# At most this many reset messages (SMS or email) per phone number or address per hour, whoever asks:
# nobody can flood someone's phone through the reset page.
PASSWORD_RESETS_PER_HOUR = env_int("RAVAO_PASSWORD_RESETS_PER_HOUR", 3, minimum=1)
# Two-factor recovery codes issued at enrolment (and at each regeneration).
RECOVERY_CODES = 10
