"""Reports: the annual PDF renders with the session's facts; OCDS release packages have the standard's shape."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from mitra.cli import app
from mitra.core.schemas import HandlingIn
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.models import MILESTONE_STATUSES, STRENGTHS
from mitra.pillars.dialogue.reports import (
    _compliance_chart,
    annual_report,
    draft_agenda,
    ocds_package,
    report_pdf,
    shorten_label,
)
from mitra.pillars.dialogue.types import COMMITMENT
from tests.conftest import Person, shared_file
from tests.pillars.dialogue.conftest import post_update, read_register
from tests.support.web import log_in

TODAY = date(2026, 2, 1)

# OCDS 1.1 release package schema, required fields (release-package-schema.json, release-schema.json).
PACKAGE_REQUIRED = ("uri", "publishedDate", "publisher", "releases", "version")
RELEASE_REQUIRED = ("ocid", "id", "date", "tag", "initiationType")
RELEASE_TAGS = {"planning", "planningUpdate", "tender", "award", "contract", "implementation", "compiled"}
MILESTONE_REQUIRED = ("id",)


def _page_one(pdf: bytes) -> tuple[Any, str]:
    document = pypdfium2.PdfDocument(pdf)
    page = document[0]
    image = page.render(scale=1).to_pil()
    text = page.get_textpage().get_text_range()
    return image, text


def test_the_annual_report_pdf_renders_a_non_blank_first_page_with_the_session_facts(
    seeded: Node, people: dict[str, Person], tmp_path: Path
) -> None:
    register = read_register(seeded, people["viewer"], TODAY)
    pdf = report_pdf(annual_report(register, year=2025), draft_agenda(register))
    image, text = _page_one(pdf)
    image.save(tmp_path / "page1.png")
    grey = image.convert("L")
    dark = sum(grey.histogram()[:200])
    assert dark > 2000  # text and charts, not a blank page
    flat = " ".join(text.split())
    assert "7 January 2025, New Delhi" in flat
    assert "Ajit Doval" in flat
    assert "Raja Dato Nushirwan bin Zainal Abidin" in flat
    assert "OVERDUE" in flat


def test_the_draft_agenda_lists_the_overdue_annual_milestone(seeded: Node, people: dict[str, Person]) -> None:
    agenda = draft_agenda(read_register(seeded, people["viewer"], TODAY))
    assert (agenda.number, agenda.host_nation, agenda.overdue) == (2, "MYS", True)
    points = [p for item in agenda.items for p in item.points]
    assert any("2nd Security Dialogue held" in p and "overdue" in p for p in points)


def _check_ocds_package(package: dict[str, Any]) -> None:
    for name in PACKAGE_REQUIRED:
        assert name in package, name
    assert isinstance(package["publisher"]["name"], str)
    datetime.fromisoformat(package["publishedDate"].replace("Z", "+00:00"))
    for release in package["releases"]:
        for name in RELEASE_REQUIRED:
            assert name in release, (release.get("id"), name)
        assert release["ocid"].startswith("ocds-")
        assert release["id"].startswith(release["ocid"])
        assert set(release["tag"]) <= RELEASE_TAGS
        datetime.fromisoformat(release["date"].replace("Z", "+00:00"))
        for milestone in release.get("planning", {}).get("milestones", []):
            for name in MILESTONE_REQUIRED:
                assert name in milestone
            assert milestone["status"] in MILESTONE_STATUSES
    ids = [(r["ocid"], r["id"]) for r in package["releases"]]
    assert len(ids) == len(set(ids))


def test_commitments_export_as_an_ocds_release_package(seeded: Node, people: dict[str, Person]) -> None:
    annual = seeded.seed_id(COMMITMENT, "sd1:annual")
    post_update(
        seeded,
        people["analyst"],
        service.UpdateInput(annual, "Held in Kuala Lumpur", "2026-01-20", "session-2", "met"),
        TODAY,
    )
    package = ocds_package(
        read_register(seeded, people["viewer"], TODAY),
        uri="https://ind.example/ocds",
        publisher="IND",
        published=datetime.now(UTC),
    )
    _check_ocds_package(json.loads(json.dumps(package)))
    annual_releases = [r for r in package["releases"] if r["ocid"].endswith(annual.split("--")[1])]
    assert [r["tag"] for r in annual_releases] == [["planning"], ["planningUpdate"]]
    assert annual_releases[1]["planning"]["milestones"][0]["status"] == "met"
    assert annual_releases[1]["planning"]["milestones"][0]["dateMet"] == "2026-01-20T00:00:00Z"


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {
        "MITRA_NATION": "IND",
        "MITRA_AGENCIES": "NSCS,CERT-In",
        "MITRA_DATA_DIR": str(tmp_path / "node"),
        "MITRA_DATABASE_URL": "",
    }


def test_cli_report_writes_a_pdf_and_status_prints_the_table(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["node", "init", "--seed"], env=env).exit_code == 0
    out = tmp_path / "out.pdf"
    result = runner.invoke(app, ["dialogue", "report", "--year", "2025", "--pdf", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert out.read_bytes().startswith(b"%PDF")
    result = runner.invoke(app, ["dialogue", "status", "--today", "2026-01-08"], env=env)
    assert result.exit_code == 0, result.output
    assert "OVERDUE by 1 days" in result.output
    assert "explore" in result.output  # the critical minerals commitment's strength


def test_cli_intake_flags_the_conflict_and_ocds_writes_json(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["node", "init", "--seed"], env=env).exit_code == 0
    article = shared_file("../seed/000_d1984914421980d1.txt")
    result = runner.invoke(app, ["dialogue", "intake", str(article)], env=env)
    assert result.exit_code == 0, result.output
    assert "the document says August 2023, the register 19-21 August 2024" in result.output
    out = tmp_path / "ocds.json"
    result = runner.invoke(app, ["dialogue", "ocds", str(out)], env=env)
    assert result.exit_code == 0, result.output
    _check_ocds_package(json.loads(out.read_text()))


def test_cli_report_says_where_it_could_not_write(env: dict[str, str], tmp_path: Path) -> None:
    runner = CliRunner()
    runner.invoke(app, ["node", "init", "--seed"], env=env)
    target = tmp_path / "missing" / "out.pdf"
    result = runner.invoke(app, ["dialogue", "report", "--year", "2025", "--pdf", str(target)], env=env)
    assert result.exit_code == 1
    assert str(target) in result.output


def _pages(pdf: bytes) -> list[str]:
    """Each page's text, read back from the PDF."""
    document = pypdfium2.PdfDocument(pdf)
    return [" ".join(document[i].get_textpage().get_text_range().split()) for i in range(len(document))]


def test_every_page_of_the_report_carries_its_tlp_marking_twice_and_its_page_number(
    seeded: Node, people: dict[str, Person]
) -> None:
    register = read_register(seeded, people["viewer"], TODAY)
    report = annual_report(register, year=2025)
    pages = _pages(report_pdf(report, draft_agenda(register)))
    assert len(pages) >= 2
    marking = f"TLP:{report.tlp.upper()}"
    for number, text in enumerate(pages, start=1):
        assert text.count(marking) >= 2, (number, text[:200])  # header and footer (TLP 2.0)
        assert f"Page {number} of {len(pages)}" in text


def test_the_report_is_marked_with_the_most_restrictive_tlp_it_carries(seeded: Node, people: dict[str, Person]) -> None:
    target = seeded.seed_id(COMMITMENT, "sd1:annual")
    before = annual_report(read_register(seeded, people["viewer"], TODAY), year=2025).tlp
    assert before != "amber"
    post_update(
        seeded,
        people["analyst"],
        service.UpdateInput(target, "An AMBER note", "2025-06-01", handling=HandlingIn(tlp="amber")),
        TODAY,
    )
    register = read_register(seeded, people["viewer"], TODAY)
    report = annual_report(register, year=2025)
    assert report.tlp == "amber"
    assert all("TLP:AMBER" in text for text in _pages(report_pdf(report, draft_agenda(register))))


def test_an_empty_compliance_chart_says_no_data_instead_of_drawing_axes(
    seeded: Node, people: dict[str, Person]
) -> None:
    register = read_register(seeded, people["viewer"], TODAY)
    report = annual_report(register, year=2025)
    unscored = [replace(a, percentages=dict.fromkeys(a.percentages)) for a in report.by_area]
    text = " ".join(_pages(report_pdf(replace(report, by_area=unscored), draft_agenda(register))))
    assert "No data: no commitment is scored for 2025" in text
    assert "No data" not in " ".join(_pages(report_pdf(report, draft_agenda(register))))


@pytest.mark.parametrize(
    ("text", "width", "lines", "expected"),
    [
        ("Cyber security", 20, 2, "Cyber security"),
        ("Counter-terrorism and deradicalisation", 20, 2, "Counter-terrorism\nand deradicalisation"),
        ("Defence industry collaboration and joint exercises", 16, 2, "Defence industry\ncollaboration…"),
        ("Critical minerals and rare earths", 12, 1, "Critical…"),
    ],
)
def test_chart_labels_wrap_or_end_with_an_ellipsis_at_a_word_boundary(
    text: str, width: int, lines: int, expected: str
) -> None:
    shortened = shorten_label(text, width=width, lines=lines)
    assert shortened == expected
    for line in shortened.split("\n"):
        assert set(line.removesuffix("…").split()) <= set(text.split())  # whole words only


def _whole_words(label: str, name: str) -> bool:
    return set(label.replace("…", "").split()) <= set(name.split())


def test_no_chart_label_is_cut_mid_word_in_the_pdf_or_on_the_page(
    seeded: Node, people: dict[str, Person], client: TestClient
) -> None:
    register = read_register(seeded, people["viewer"], TODAY)
    report = annual_report(register, year=2025)
    [chart] = [c for c in _compliance_chart(report).contents if hasattr(c, "categoryAxis")]
    scored = [a.name for a in report.by_area if a.scored]
    assert scored
    for label, name in zip(chart.categoryAxis.categoryNames, scored, strict=True):
        assert _whole_words(label, name), (label, name)
    text = " ".join(_pages(report_pdf(report, draft_agenda(register))))
    for word in {w for name in register.areas.values() for w in name.split()} | set(STRENGTHS):
        for cut in range(3, len(word) - 1):
            assert f"{word[:cut]} {word[cut:]}" not in text, word  # a table cell broke the word
    log_in(client, people["viewer"])
    page = client.get("/dialogue/report?year=2025").text
    for name in scored:
        shown = re.findall(
            r"<tspan[^>]*>([^<]*)</tspan>", page.split(f"<title>{name}</title>")[0].rsplit("<text", 1)[-1]
        )
        assert shown, name
        assert _whole_words(" ".join(shown), name), (shown, name)


def test_cli_report_for_a_year_without_data_fails_naming_the_years_and_writes_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["node", "init", "--seed"], env=env).exit_code == 0
    out = tmp_path / "out.pdf"
    result = runner.invoke(app, ["dialogue", "report", "--year", "1890", "--pdf", str(out)], env=env)
    assert result.exit_code == 1
    flat = " ".join(result.output.split())
    assert "nothing to report for 1890" in flat
    assert "2025" in flat  # the years that do have data
    assert not out.exists()


def test_the_report_page_for_a_year_without_data_says_so(client: TestClient, people: dict[str, Person]) -> None:
    log_in(client, people["viewer"])
    page = client.get("/dialogue/report?year=2001").text
    assert 'id="no-data"' in page
    assert "/dialogue/report.pdf?year=2001" not in page
    refused = client.get("/dialogue/report.pdf?year=2001")
    assert refused.status_code == 422
    assert "nothing to report for 2001" in refused.text
    assert refused.headers["content-type"].startswith("text/html")
