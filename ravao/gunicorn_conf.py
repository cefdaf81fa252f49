"""gunicorn's configuration for `ravao serve` (read by gunicorn as `python:ravao.gunicorn_conf`).

Every value comes from the environment through ravao.env, like the Django settings.
"""

import ipaddress
import os

from ravao.env import ConfigError, env_bool, env_int, env_list, env_str

bind = env_str("RAVAO_BIND", "127.0.0.1:8000")
_host, _colon, _port = bind.rpartition(":")
if not bind.startswith("unix:") and not (_colon and _port.isdigit() and 0 < int(_port) < 65536):
    raise ConfigError(f"RAVAO_BIND must be host:port or unix:/path, not {bind!r}")
# Sync workers: a check-in is a few short queries; two per core keep the CPU busy while one waits on a
# commit.
workers = env_int("RAVAO_WORKERS", 2 * (os.cpu_count() or 1), minimum=1)
timeout = env_int("RAVAO_WORKER_TIMEOUT", 60, minimum=5)
graceful_timeout = 20
# A worker is replaced after this many requests (with jitter), so a slow leak cannot grow for ever.
max_requests = env_int("RAVAO_WORKER_MAX_REQUESTS", 20000, minimum=0)
max_requests_jitter = max_requests // 10
# The app loads before the workers fork: a broken setting stops the server at start, not in every worker.
preload_app = True
# Behind the proxy, the proxy's own address is trusted for X-Forwarded-Proto (RAVAO_BEHIND_HTTPS_PROXY).
_forwarded = env_list("RAVAO_FORWARDED_ALLOW_IPS", ["127.0.0.1", "::1"])
for _address in _forwarded:
    if _address != "*":
        try:
            ipaddress.ip_network(_address, strict=False)
        except ValueError:
            raise ConfigError(
                f"RAVAO_FORWARDED_ALLOW_IPS must list IP addresses (or *), not {_address!r}"
            ) from None
forwarded_allow_ips = ",".join(_forwarded)
accesslog = "-" if env_bool("RAVAO_ACCESS_LOG", True) else None
errorlog = "-"
# Access lines with the path and query redacted (no poster code, token or number): see ravao.logs.
logger_class = "ravao.gunicorn_logging.RedactingLogger"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
