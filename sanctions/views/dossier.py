"""The case dossier as a page and as a PDF. Opening either is written to the audit trail."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from ..dossier import dossier_open
from ..pdf import dossier_pdf
from .common import desk_required, get_case


@login_required
@desk_required
def dossier_view(request, case_id: int):
    case = get_case(request.user, case_id)
    return render(request, "sanctions/dossier.html", {"dossier": dossier_open(case=case, user=request.user)})


@login_required
@desk_required
def dossier_pdf_view(request, case_id: int):
    case = get_case(request.user, case_id)
    body = dossier_pdf(dossier_open(case=case, user=request.user, fmt="pdf"))
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="case-{case.pk}-dossier.pdf"'
    return response
