"""Reports: the annual PDF renders with the session's facts; OCDS release packages have the standard's shape."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pypdfium2
import pytest
from typer.testing import CliRunner

from mitra.cli import app
from mitra.node import Node
from mitra.pillars.dialogue import service
from mitra.pillars.dialogue.models import MILESTONE_STATUSES
from mitra.pillars.dialogue.reports import annual_report, draft_agenda, ocds_package, report_pdf
from mitra.pillars.dialogue.types import COMMITMENT
from tests.conftest import Person, shared_file
from tests.pillars.dialogue.conftest import post_update, read_register

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
