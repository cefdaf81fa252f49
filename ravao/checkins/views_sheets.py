"""Paper sign-in sheets from the browser (J9): upload a CSV/XLSX, see the bad rows by line, import once."""

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ravao.checkins.models import SheetImport
from ravao.checkins.sheets import (
    SheetError,
    sheet_import,
    sheet_preview,
    sheet_venues,
    template_csv,
    template_xlsx,
)
from ravao.lib.exports import CONTENT_TYPES

MAX_FILE_BYTES = 2 * 1024 * 1024
PREVIEW_ROWS = 50


def _importer(request: HttpRequest) -> None:
    """Managers of a venue and officials of a commune, ward, district or province import sheets; others
    get a 404."""
    if not sheet_venues(request.user).exists():
        raise Http404


def access_sheet(request: HttpRequest, sheet_id: int) -> SheetImport:
    """A sheet is seen only by who uploaded it (it holds what they typed)."""
    sheet = SheetImport.objects.filter(pk=sheet_id, uploaded_by_id=request.user.pk).first()
    if sheet is None:
        raise Http404
    return sheet


@login_required
@require_http_methods(["GET", "POST"])
def sheet_upload(request: HttpRequest) -> HttpResponse:
    _importer(request)
    error = ""
    upload = request.FILES.get("sheet") if request.method == "POST" else None
    if request.method == "POST":
        if upload is None:
            error = _("Choose the file to upload.")
        elif upload.size is None or upload.size > MAX_FILE_BYTES:
            error = _("The file is larger than 2 MB; split the sheet.")
        else:
            try:
                sheet = sheet_preview(
                    data=upload.read(), filename=upload.name or "sheet", user=request.user, now=timezone.now()
                )
            except SheetError as exc:
                error = str(exc)
            else:
                return redirect("checkins:sheet", sheet_id=sheet.pk)
    recent = SheetImport.objects.filter(uploaded_by_id=request.user.pk)[:20]
    return render(
        request,
        "checkins/sheet_upload.html",
        {"error": error, "recent": recent, "venues": sheet_venues(request.user).order_by("name")[:50]},
        status=400 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sheet_detail(request: HttpRequest, sheet_id: int) -> HttpResponse:
    """The preview (good rows, bad rows by line) and the import button; after the import, the counts."""
    _importer(request)
    sheet = access_sheet(request, sheet_id)
    if request.method == "POST":
        sheet = sheet_import(sheet=sheet, user=request.user, now=timezone.now())
        messages.success(
            request,
            _("%(new)d visits imported, %(repeated)d were already there.")
            % {"new": sheet.new, "repeated": sheet.repeated},
        )
        return redirect("checkins:sheet", sheet_id=sheet.pk)
    good = json.loads(sheet.rows or "[]")
    return render(
        request,
        "checkins/sheet_detail.html",
        {
            "sheet": sheet,
            "good": good[:PREVIEW_ROWS],
            "good_count": len(good),
            "more": len(good) > PREVIEW_ROWS,
        },
    )


@login_required
@require_GET
def sheet_template(request: HttpRequest, fmt: str) -> HttpResponse:
    _importer(request)
    if fmt == "csv":
        body = template_csv()
    elif fmt == "xlsx":
        body = template_xlsx()
    else:
        raise Http404
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="mau-so-ra-vao.{fmt}"'
    return response
