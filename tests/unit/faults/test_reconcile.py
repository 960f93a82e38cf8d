"""The fault cases' reconciliation of what was sent against what came out."""

from __future__ import annotations

from faults.reconcile import Expect, Outputs, Sent, reconcile


def _event(story_id: str, body: str, partition: int, offset: int) -> tuple[bytes, dict]:
    return story_id.encode(), {
        "version": "1",
        "bodies": [{"role": "main", "value": body}],
        "wirestream": {"story_id": story_id, "story_version": 1, "source": {"partition": partition, "offset": offset}},
    }


def test_a_replayed_story_matches_either_of_its_sends() -> None:
    expect = Expect(outcome="enriched", category="valid", story_id="s1", body="text")
    sent = [Sent(0, 0, expect), Sent(1, 7, expect)]
    outputs = Outputs(enriched=[_event("s1", "text", 0, 0), _event("s1", "text", 1, 7)])
    rec = reconcile(sent, outputs)
    assert (rec.lost, rec.mixed_up, rec.unexpected, rec.duplicates) == (0, 0, 0, 1)
    assert rec.ok


def test_an_event_from_an_offset_never_sent_for_its_story_is_mixed_up() -> None:
    expect = Expect(outcome="enriched", category="valid", story_id="s1", body="text")
    rec = reconcile([Sent(0, 0, expect)], Outputs(enriched=[_event("s1", "text", 2, 3)]))
    assert rec.mixed_up == 1 and not rec.ok


def test_a_story_sent_but_never_enriched_is_lost() -> None:
    expect = Expect(outcome="enriched", category="valid", story_id="s1", body="text")
    rec = reconcile([Sent(0, 0, expect), Sent(0, 1, expect)], Outputs())
    assert rec.lost == 2
