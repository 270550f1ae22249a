"""The audit chain: pure verification finds every edit, deletion and reordering."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from mitra.audit.chain import GENESIS, ChainEntry, entry_hash, verify_chain


def build(n: int) -> list[ChainEntry]:
    entries, prev = [], GENESIS
    for seq in range(1, n + 1):
        fields = {
            "seq": seq,
            "at": f"2025-01-07T00:00:{seq % 60:02d}.000Z",
            "actor": "IND:NSCS:asha",
            "action": "create",
            "object_id": f"indicator--{seq}",
            "detail": {"n": seq},
            "prev_hash": prev,
        }
        digest = entry_hash(**fields)  # type: ignore[arg-type]
        entries.append(ChainEntry(hash=digest, **fields))  # type: ignore[arg-type]
        prev = digest
    return entries


def test_an_intact_chain_verifies() -> None:
    report = verify_chain(build(20))
    assert report.ok
    assert report.entries == 20
    assert report.head_seq == 20


@settings(max_examples=200)
@given(n=st.integers(2, 30), data=st.data())
def test_any_edited_entry_is_named(n: int, data: st.DataObject) -> None:
    entries = build(n)
    victim = data.draw(st.integers(0, n - 1))
    entries[victim] = replace(entries[victim], actor="IND:NSCS:mallory")
    report = verify_chain(entries)
    assert not report.ok
    assert report.first_bad_seq == victim + 1
    assert "edited" in (report.problem or "")


@settings(max_examples=200)
@given(n=st.integers(3, 30), data=st.data())
def test_any_deleted_entry_is_found(n: int, data: st.DataObject) -> None:
    entries = build(n)
    victim = data.draw(st.integers(0, n - 2))
    del entries[victim]
    report = verify_chain(entries)
    assert not report.ok
    assert report.first_bad_seq == victim + 2
    assert "missing" in (report.problem or "")


@settings(max_examples=200)
@given(n=st.integers(3, 30), data=st.data())
def test_any_swap_of_two_entries_is_found(n: int, data: st.DataObject) -> None:
    entries = build(n)
    i = data.draw(st.integers(0, n - 2))
    j = data.draw(st.integers(i + 1, n - 1))
    entries[i], entries[j] = entries[j], entries[i]
    assert not verify_chain(entries).ok


def test_renumbered_swap_is_found_by_the_links() -> None:
    entries = build(5)
    a, b = entries[1], entries[2]
    entries[1], entries[2] = replace(b, seq=2), replace(a, seq=3)
    report = verify_chain(entries)
    assert not report.ok
    assert report.first_bad_seq == 2
