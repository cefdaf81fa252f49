"""Typed helpers that read settings from environment variables and fail loudly.

Every setting of ravao is read through one of these so that a typo in a deployment
(`RAVAO_RETENTION_DAYS=28d`) stops the process at start-up instead of silently
falling back to a default.
"""

import os
import re


class ConfigError(RuntimeError):
    """A setting in the environment has a value we cannot use."""


def env_str(name: str, default: str | None = None) -> str:
    value = os.environ.get(name)
    if value is None or value == "":
        if default is None:
            raise ConfigError(f"{name} must be set")
        return default
    return value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), not {value!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, not {value!r}") from exc
    if minimum is not None and number < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {number}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


def env_territory(name: str) -> list[str]:
    """Province unit codes of one map, e.g. "v2025-01,v2025-79" (or "2025-01", "2025-1"), normalised to
    "v2025-01". Empty: the caller decides (ravao: every loaded province of the newest map). Mixing maps is
    refused: a server serves one map at a time (issue 14)."""
    codes: list[str] = []
    for item in env_list(name, []):
        match = re.fullmatch(r"v?(2021|2025)-(\d{1,2})", item.strip().lower())
        if match is None:
            raise ConfigError(
                f"{name} must list province codes such as v2025-01 (map year, then the province's GSO code), "
                f"not {item!r}"
            )
        codes.append(f"v{match.group(1)}-{match.group(2).zfill(2)}")
    if len({code.split("-")[0] for code in codes}) > 1:
        raise ConfigError(f"{name} must name provinces of one map (2021 or 2025), not {', '.join(codes)}")
    return sorted(set(codes))


def load_dotenv_file(path: "os.PathLike[str] | str") -> None:
    """Read a development checkout's `.env` (KEY=value lines, written by `make install`) into the environment.

    Variables already set win, so a deployment's real environment is never overridden by a stray file;
    production installs have no `.env` (docs/operations.md).
    """
    from dotenv import load_dotenv

    if os.path.isfile(path):
        load_dotenv(path, override=False)


def env_choice(name: str, default: str, choices: "tuple[str, ...]", *, upper: bool = False) -> str:
    """One of a fixed set of words (`upper` folds the value to upper case first, e.g. a log level)."""
    value = env_str(name, default)
    if upper:
        value = value.upper()
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


def env_url(name: str, default: str, *, schemes: "tuple[str, ...]") -> str:
    """An address starting with one of `schemes` (e.g. "https://"), or empty when the default is empty."""
    value = env_str(name, default) if default else os.environ.get(name, "")
    if value and not value.startswith(schemes):
        raise ConfigError(f"{name} must start with {' or '.join(schemes)}, not {value!r}")
    return value


def env_prefixes(name: str, default: list[str]) -> list[str]:
    """A comma-separated list of URL path prefixes, each starting with "/"."""
    prefixes = env_list(name, default)
    for prefix in prefixes:
        if not prefix.startswith("/"):
            raise ConfigError(f"{name} must list URL paths starting with '/', not {prefix!r}")
    return prefixes
