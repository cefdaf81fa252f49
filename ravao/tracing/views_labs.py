"""Lab lists of positive results from the browser (issue 11, item 7): upload, preview with every row's
outcome (bad rows by line, ambiguous rows to pick), then open the cases in one action."""

import hashlib
import logging

from django import forms
from django.contrib import messages
from django.db import DatabaseError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods

from ravao.lib.exports import CONTENT_TYPES, write_csv, write_xlsx
from ravao.places.models import AdminUnit
from ravao.tracing import conf
from ravao.tracing.access import tracer_units
from ravao.tracing.labs import (
    AMBIGUOUS,
    NEW,
    PICK_NEW,
    PICK_SKIP,
    TEMPLATE_HEADERS,
    LabFileError,
    lab_file_seen,
    lab_import_commit,
    lab_import_preview,
    lab_rows_for_display,
    outcome_counts,
)
from ravao.tracing.models import LabImport
from ravao.tracing.views import _user, tracer_required

log = logging.getLogger("ravao.tracing")
TEMPLATE_EXAMPLE = ["Nguyễn Văn An", "0912345678", "001092012345", "29/11/2026", "XN-2026-0042"]


class LabUploadForm(forms.Form):
    unit = forms.ModelChoiceField(
        label=gettext_lazy("Health office"), queryset=AdminUnit.objects.none(), empty_label=None
    )
    file = forms.FileField(label=gettext_lazy("Lab list (.xlsx or .csv)"))

    def __init__(self, *args: object, units: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].queryset = units  # type: ignore[attr-defined]

    def clean_file(self) -> object:
        upload = self.cleaned_data["file"]
        if upload.size is None or upload.size > conf.LAB_IMPORT_MAX_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(n)d KB; split the list.")
                % {"n": conf.LAB_IMPORT_MAX_BYTES // 1024}
            )
        if not (upload.name or "").lower().endswith((".csv", ".txt", ".xlsx")):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        return upload


def access_lab_import(request: HttpRequest, import_id: int) -> LabImport:
    """A lab list is seen only by who uploaded it, while they still serve its office."""
    user = _user(request)
    found = (
        LabImport.objects.filter(pk=import_id, uploaded_by=user, unit__in=tracer_units(user))
        .select_related("unit")
        .first()
    )
    if found is None:
        raise Http404
    return found


@tracer_required
@require_http_methods(["GET", "POST"])
def lab_upload(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    units = tracer_units(user)
    form = LabUploadForm(request.POST or None, request.FILES or None, units=units)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        earlier = lab_file_seen(sha256=hashlib.sha256(data).hexdigest(), user=user)
        try:
            lab_import = lab_import_preview(
                data=data,
                filename=upload.name or "lab.csv",
                unit=form.cleaned_data["unit"],
                acting_user=user,
                request=request,
            )
        except LabFileError as exc:
            form.add_error("file", str(exc))
        else:
            if earlier is not None and earlier.imported_at is not None:
                messages.warning(
                    request,
                    _(
                        "This file was already imported on %(when)s: the rows already opened are"
                        " skipped below."
                    )
                    % {"when": timezone.localtime(earlier.imported_at).strftime("%d/%m/%Y %H:%M")},
                )
            return redirect("tracing:lab_import", import_id=lab_import.pk)
    recent = LabImport.objects.filter(uploaded_by=user).select_related("unit")[:20]
    context = {
        "form": form,
        "recent": recent,
        "max_rows": conf.LAB_IMPORT_MAX_ROWS,
        "headers": TEMPLATE_HEADERS,
    }
    return render(request, "tracing/labs/upload.html", context, status=400 if form.errors else 200)


@tracer_required
@require_http_methods(["GET", "POST"])
def lab_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """The preview (each row's outcome, the picks) and the "open N cases" button; then the results."""
    lab_import = access_lab_import(request, import_id)
    if request.method == "POST":
        if lab_import.status == LabImport.Status.IMPORTED:
            messages.info(request, _("This list was already imported: nothing was opened again."))
            return redirect("tracing:lab_import", import_id=lab_import.pk)
        picks: dict[int, str] = {}
        for row in lab_import.rows:
            value = request.POST.get(f"pick-{row['line']}", "")
            if row["outcome"] == AMBIGUOUS:
                valid = [str(i) for i in range(len(row.get("candidates", [])))] + [PICK_SKIP]
            elif row["outcome"] == NEW:
                valid = [PICK_NEW, PICK_SKIP]
            else:
                continue
            if value and value not in valid:
                messages.error(
                    request, _("Line %(line)d: choose one of the options.") % {"line": row["line"]}
                )
                return redirect("tracing:lab_import", import_id=lab_import.pk)
            if value:
                picks[row["line"]] = value
        try:
            done = lab_import_commit(
                lab_import=lab_import, picks=picks, acting_user=_user(request), request=request
            )
        except DatabaseError:
            # All or nothing: the transaction rolled back every case of the list; the preview stays.
            log.exception("lab list %s: import failed", lab_import.pk)
            messages.error(request, _("The cases could not be opened; nothing was imported. Try again."))
            return redirect("tracing:lab_import", import_id=lab_import.pk)
        messages.success(
            request,
            _("%(opened)d cases opened, %(requested)d requests sent, %(skipped)d rows skipped.")
            % {"opened": done.opened, "requested": done.requested, "skipped": done.skipped},
        )
        return redirect("tracing:lab_import", import_id=lab_import.pk)
    rows = lab_rows_for_display(lab_import)
    counts = outcome_counts(lab_import.rows or [])
    openable = counts["matched"] + counts["new"] + counts["ambiguous"]
    context = {"lab_import": lab_import, "rows": rows, "counts": counts, "openable": openable}
    return render(request, "tracing/labs/detail.html", context)


@tracer_required
@require_GET
def lab_template(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt == "csv":
        body = write_csv([TEMPLATE_EXAMPLE], TEMPLATE_HEADERS)
    elif fmt == "xlsx":
        body = write_xlsx([TEMPLATE_EXAMPLE], TEMPLATE_HEADERS, sheet_title="Xét nghiệm")
    else:
        raise Http404
    response = HttpResponse(body, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="mau-danh-sach-xet-nghiem.{fmt}"'
    return response
