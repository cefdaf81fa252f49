"""Settings of the notifications app (docs/configuration.md)."""

from ravao.env import env_int

# A message is tried this many times (the first attempt included), then marked as not delivered.
MAX_ATTEMPTS = env_int("RAVAO_NOTIFICATION_MAX_ATTEMPTS", 8, minimum=1)
# Back-off between attempts: 1, 2, 4 ... minutes, at most this many minutes.
MAX_BACKOFF_MINUTES = env_int("RAVAO_NOTIFICATION_MAX_BACKOFF_MINUTES", 360, minimum=1)
# A runner that died while sending leaves rows "sending"; another runner takes them back after this.
CLAIM_TIMEOUT_MINUTES = env_int("RAVAO_NOTIFICATION_CLAIM_TIMEOUT_MINUTES", 10, minimum=1)
# Rows claimed per round of `ravao send_notifications`.
BATCH = env_int("RAVAO_NOTIFICATION_BATCH", 200, minimum=1)
