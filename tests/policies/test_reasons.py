"""Every reason the evaluation gives has a sentence."""

from policies.evaluation import evaluate
from policies.reasons import no_measure_text, reason_text

from .test_guards import _grid


def test_every_reason_and_no_measure_reason_reads_as_a_sentence(snapshot):
    for facts in _grid():
        rec = evaluate(facts, snapshot)
        for reason in rec.reasons + rec.evidence_reasons + rec.culpability_reasons:
            text = reason_text(reason)
            assert text != reason, reason
        assert no_measure_text(rec.no_measure_reason) != rec.no_measure_reason or not rec.no_measure_reason


def test_reasons_fill_in_their_arguments():
    assert reason_text("evidence.reporters:2,3,7") == "2 distinct reporters within 7 days (3 needed for E2)."
    assert reason_text("note:Withdraw the port-25 exemption.") == "Withdraw the port-25 exemption."
    assert reason_text("something.new") == "something.new"
