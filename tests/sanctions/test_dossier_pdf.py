"""The dossier PDF: self-contained (every font embedded, as a subset), and it says
what the HTML dossier says — references, addresses and digests whole, labels not
codes, no JSON — in the reader's language."""

import io
import re

import pytest
from pypdf import PdfReader

from abusedesk.models import AuditEntry
from complaints.models import Report
from sanctions import pdf
from sanctions.choices import State
from sanctions.labels import snake_case_codes

from . import factories

pytestmark = pytest.mark.django_db

SUBSET = re.compile(r"^/[A-Z]{6}\+")


@pytest.fixture
def decided(sanction, staff, manager, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return factories.walk(sanction, factories.PATHS[State.UPHELD], desk=staff, decider=manager)


def fetch(client, case_id, language="en") -> PdfReader:
    response = client.get(f"/sanctions/cases/{case_id}/dossier.pdf", HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def fonts_of(reader: PdfReader) -> list[dict]:
    found = []
    for page in reader.pages:
        for ref in (page["/Resources"].get("/Font") or {}).values():
            font = ref.get_object()
            descendants = font.get("/DescendantFonts")
            described = descendants[0].get_object() if descendants else font
            found.append({"name": str(font["/BaseFont"]), "descriptor": described.get("/FontDescriptor")})
    return found


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() for page in reader.pages)


def test_every_font_is_embedded_as_a_subset(decided, manager_client):
    fonts = fonts_of(fetch(manager_client, decided.case_id))
    assert fonts
    for font in fonts:
        assert SUBSET.match(font["name"]), f"{font['name']} is not a subset font"
        descriptor = font["descriptor"].get_object()
        assert any(key in descriptor for key in ("/FontFile", "/FontFile2", "/FontFile3")), font["name"]


def test_the_pdf_says_what_the_html_dossier_says(decided, manager_client):
    html = manager_client.get(f"/sanctions/cases/{decided.case_id}/dossier/").content.decode()
    text = text_of(fetch(manager_client, decided.case_id))
    reports = list(Report.objects.filter(case=decided.case))
    facts = [decided.reference, "Upheld", "test: upheld", "C-03a"]
    for report in reports:
        facts += [report.reference, report.source_ip, report.raw_sha256]
    facts += [decided.get_legal_basis_display(), decided.get_level_display()]
    for fact in facts:
        assert fact in html, f"{fact!r} is not in the HTML dossier"
        assert fact in text, f"{fact!r} is missing or broken across lines in the PDF"
    assert "statically assigned to C-3" in text  # the attribution, as sentences


def test_the_pdf_has_no_json_and_no_raw_codes(decided, manager_client):
    text = text_of(fetch(manager_client, decided.case_id))
    assert '{"type"' not in text and "[{" not in text
    assert not re.search(r"\b(rule|evidence|culpability|guard)\.[a-z_]+", text)
    for transition in decided.transitions.all():  # what people wrote ("test: carried_out") is theirs
        text = text.replace(transition.reason, "")
    leaked = sorted(code for code in snake_case_codes() if re.search(rf"\b{code}\b", text))
    assert not leaked
    for hidden in ("alice@receiver.example", "Buy now", "Cheap pills"):
        assert hidden not in text


def test_the_pdf_follows_the_readers_language(decided, manager_client):
    text = text_of(fetch(manager_client, decided.case_id, language="ja"))
    assert "調書" in text  # "Dossier"
    assert decided.reference in text
    assert "Upheld" not in text and "維持" in text


def test_without_the_font_the_pdf_is_refused_with_a_clear_message(decided, manager_client, monkeypatch):
    monkeypatch.setattr(
        pdf, "FONT_FILES", {pdf.FONT: ("/nonexistent/a.ttf",), pdf.MONO: ("/nonexistent/b.ttf",)}
    )
    response = manager_client.get(f"/sanctions/cases/{decided.case_id}/dossier.pdf", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == f"/sanctions/cases/{decided.case_id}/dossier/"
    assert any("fonts-ipafont-gothic" in str(m) for m in response.context["messages"])


def test_the_export_is_audited(decided, manager_client):
    fetch(manager_client, decided.case_id)
    assert AuditEntry.objects.filter(action="dossier.viewed", data__format="pdf").exists()
