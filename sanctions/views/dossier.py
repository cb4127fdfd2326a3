"""The case dossier as a page and as a PDF. Opening either is written to the audit trail."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render

from abusedesk.replica import read_only_page
from abusedesk.web import desk_required

from ..dossier import dossier_open
from ..pdf import PdfFontMissing, dossier_pdf
from .common import get_case


@read_only_page
@login_required
@desk_required
def dossier_view(request, case_id: int):
    case = get_case(request.user, case_id)
    return render(request, "sanctions/dossier.html", {"dossier": dossier_open(case=case, user=request.user)})


@read_only_page
@login_required
@desk_required
def dossier_pdf_view(request, case_id: int):
    case = get_case(request.user, case_id)
    try:
        body = dossier_pdf(dossier_open(case=case, user=request.user, fmt="pdf"))
    except PdfFontMissing as exc:
        messages.error(request, exc.message)
        return redirect("sanction-dossier", case_id=case.pk)
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-{case.pk}-dossier.pdf"'
    return response
