"""gunicorn's access log without personal data: the request line and referer pass `ravao.logs.redact`."""

from typing import Any

from gunicorn.glogging import Logger

from ravao.logs import redact


class RedactingLogger(Logger):
    def atoms(self, resp: Any, req: Any, environ: Any, request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        for key in ("r", "U", "q", "f", "a"):
            if isinstance(atoms.get(key), str):
                atoms[key] = redact(atoms[key])
        return atoms
