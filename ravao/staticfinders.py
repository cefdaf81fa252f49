"""Static files from the front-end libraries (npm, pinned in package-lock.json), under /static/vendor/.

Only the files the pages load are published: serving (and, in production, collecting, hashing and
compressing) the whole node_modules tree would ship 45 MB of sources, maps and test files for three scripts.
"""

from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.checks import CheckMessage
from django.core.checks import Error as CheckError
from django.core.files.storage import FileSystemStorage

# Path under /static/ → path under node_modules/. A minified file that names its source map needs the map
# too: the manifest storage rewrites the sourceMappingURL to the map's hashed name and fails without it.
VENDOR_FILES = {
    "vendor/chart.js/dist/chart.umd.min.js": "chart.js/dist/chart.umd.min.js",
    "vendor/chart.js/dist/chart.umd.min.js.map": "chart.js/dist/chart.umd.min.js.map",
    "vendor/cytoscape/dist/cytoscape.min.js": "cytoscape/dist/cytoscape.min.js",
    "vendor/@zxing/browser/umd/zxing-browser.min.js": "@zxing/browser/umd/zxing-browser.min.js",
    "vendor/@zxing/browser/umd/zxing-browser.min.js.map": "@zxing/browser/umd/zxing-browser.min.js.map",
}


def _node_modules() -> Path:
    return Path(settings.BASE_DIR) / "node_modules"


class _VendorStorage(FileSystemStorage):
    """node_modules, addressed by the published names (so collectstatic copies to vendor/...)."""

    def path(self, name: str) -> str:
        return str(_node_modules() / VENDOR_FILES[name])


class VendorFinder(BaseFinder):
    def check(self, **kwargs: Any) -> list[CheckMessage]:
        if not _node_modules().is_dir():
            return []  # a checkout without `npm ci`: pages work, the scanner and charts do not (documented)
        missing = [src for src in VENDOR_FILES.values() if not (_node_modules() / src).is_file()]
        if missing:
            return [
                CheckError(
                    f"Front-end files missing from node_modules: {', '.join(missing)}.",
                    hint="Run `npm ci` (make install does).",
                    id="ravao.E010",
                )
            ]
        return []

    def find(self, path: str, find_all: bool = False, **kwargs: Any) -> list[str] | str:  # type: ignore[override]
        source = VENDOR_FILES.get(path)
        if source is None or not (_node_modules() / source).is_file():
            return []
        found = str(_node_modules() / source)
        return [found] if find_all else found

    def list(self, ignore_patterns: Any) -> Any:
        storage = _VendorStorage(location=str(_node_modules()))
        for name, source in VENDOR_FILES.items():
            if (_node_modules() / source).is_file():
                yield name, storage
