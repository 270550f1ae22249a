"""The annual progress report, the next session's draft agenda (PDF with reportlab charts) and OCDS exports."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.pillars.dialogue.models import NATION_NAMES, CommitmentView, SessionView, session_line
from mitra.pillars.dialogue.service import (
    COMMITMENT_STATUSES,
    CommitmentState,
    ComplianceRow,
    NextSession,
    Register,
    UpdateState,
    compliance,
    nation_percentage,
)

OCID_PREFIX = "ocds-mitra1"  # not a registered OCDS prefix: exports are for checking, not publication


@dataclass(frozen=True)
class AreaCompliance:
    key: str
    name: str
    percentages: dict[str, float | None]


@dataclass(frozen=True)
class AnnualReport:
    year: int
    today: date
    sessions: list[SessionView]
    all_sessions: list[SessionView]
    commitments: list[CommitmentState]
    rows: list[ComplianceRow]
    overall: dict[str, float | None]
    by_area: list[AreaCompliance]
    updates: list[tuple[CommitmentState, UpdateState]]
    status_counts: dict[str, int]
    next_session: NextSession | None
    nations: tuple[str, ...]


def annual_report(register: Register, *, year: int) -> AnnualReport:
    rows = compliance(register, years=[year])
    by_area = []
    for key, name, states in register.by_area():
        ids = {s.commitment.id for s in states}
        area_rows = [r for r in rows if r.state.commitment.id in ids]
        by_area.append(AreaCompliance(key, name, {n: nation_percentage(area_rows, n, year) for n in register.nations}))
    updates = [(s, u) for s in register.commitments for u in s.updates if u.update.year == year]
    updates.sort(key=lambda pair: pair[1].update.date)
    return AnnualReport(
        year=year,
        today=register.today,
        sessions=[s for s in register.sessions if s.date.startswith(str(year))],
        all_sessions=list(register.sessions),
        commitments=list(register.commitments),
        rows=rows,
        overall={n: nation_percentage(rows, n, year) for n in register.nations},
        by_area=by_area,
        updates=updates,
        status_counts=register.status_counts(),
        next_session=register.next_session,
        nations=register.nations,
    )


@dataclass(frozen=True)
class AgendaItem:
    heading: str
    points: list[str]


@dataclass(frozen=True)
class DraftAgenda:
    number: int | None
    due: date | None
    host_nation: str | None
    overdue: bool
    items: list[AgendaItem]


def draft_agenda(register: Register) -> DraftAgenda:
    """The next session's agenda: open items per area, conflicts to settle, overdue milestones, lags."""
    items = [AgendaItem("Opening", ["Adoption of the agenda", "Review of the record of the previous session"])]
    for _key, name, states in register.by_area():
        points = []
        for state in states:
            c = state.commitment
            line = f"{c.text} ({c.strength}): {state.status}"
            for m in state.milestones:
                if m.status != "met":
                    line += f"; milestone '{m.title}' due {m.due_date or 'undated'} is {m.status}"
            if state.lag.terms_of_reference and not state.lag.delivered and state.lag.open_months is not None:
                line += f"; open {state.lag.open_months} months since announcement"
            points.append(line)
        if points:
            items.append(AgendaItem(name, points))
    conflicts = [
        f"{s.commitment.text}: '{m.title}' reported "
        + " vs ".join(f"{n} {status}" for n, (status, _, _) in sorted(m.by_nation.items()))
        for s in register.commitments
        for m in s.conflicts
    ]
    if conflicts:
        items.append(AgendaItem("Differences in the record to settle", conflicts))
    items.append(AgendaItem("Any other business; date and venue of the following session", []))
    nxt = register.next_session
    return DraftAgenda(
        number=nxt.number if nxt else None,
        due=nxt.due if nxt else None,
        host_nation=nxt.host_nation if nxt else None,
        overdue=bool(nxt and nxt.overdue),
        items=items,
    )


# ----- PDF -----------------------------------------------------------------------------


def _compliance_chart(report: AnnualReport) -> Drawing:
    drawing = Drawing(170 * mm, 70 * mm)
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 14 * mm, 150 * mm, 48 * mm
    areas = [a for a in report.by_area if any(v is not None for v in a.percentages.values())]
    chart.data = [[a.percentages.get(n) or 0.0 for a in areas] or [0.0] for n in report.nations]
    chart.categoryAxis.categoryNames = [a.name[:18] for a in areas] or ["no scores"]
    chart.categoryAxis.labels.fontSize = 6
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.bars[0].fillColor = colors.HexColor("#f3b03a")
    chart.bars[1].fillColor = colors.HexColor("#0b5cad")
    drawing.add(chart)
    drawing.add(String(12 * mm, 66 * mm, f"Compliance {report.year} by area, % (IND amber, MYS blue)", fontSize=8))
    return drawing


def _status_chart(report: AnnualReport) -> Drawing:
    drawing = Drawing(170 * mm, 45 * mm)
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30 * mm, 5 * mm, 130 * mm, 32 * mm
    chart.data = [[float(report.status_counts[s]) for s in COMMITMENT_STATUSES]]
    chart.categoryAxis.categoryNames = list(COMMITMENT_STATUSES)
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.bars[0].fillColor = colors.HexColor("#1b6e34")
    drawing.add(chart)
    drawing.add(String(30 * mm, 41 * mm, "Commitments by status", fontSize=8))
    return drawing


def report_pdf(report: AnnualReport, agenda: DraftAgenda) -> bytes:
    """The annual progress report and the draft agenda as one PDF (charts drawn with reportlab.graphics)."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Normal"]
    doc = SimpleDocTemplate(buffer, pagesize=A4, title=f"Security Dialogue progress report {report.year}")
    story: list[Any] = [
        Paragraph(f"India-Malaysia Security Dialogue: progress report {report.year}", styles["Title"]),
        Paragraph(f"Generated from the register on {report.today.isoformat()}.", small),
        Spacer(1, 4 * mm),
        Paragraph("Sessions", styles["Heading2"]),
    ]
    for session in report.all_sessions:
        story.append(Paragraph(escape(session_line(session)), body))
    nxt = report.next_session
    if nxt:
        flag = f" OVERDUE by {nxt.days_overdue} days" if nxt.overdue else ""
        story.append(
            Paragraph(
                escape(f"Next: session {nxt.number}, due by {nxt.due.isoformat()}, host {nxt.host_nation}.{flag}"), body
            )
        )
    overall = ", ".join(f"{n} {_pct(report.overall[n])}" for n in report.nations)
    story += [
        Spacer(1, 3 * mm),
        Paragraph(f"Compliance {report.year} (G20 Research Group method): {overall}", body),
        _compliance_chart(report),
        _status_chart(report),
        Paragraph("Commitments", styles["Heading2"]),
    ]
    table = [["Area", "Commitment", "Strength", "Status", "IND", "MYS"]]
    for row in report.rows:
        c = row.state.commitment
        table.append(
            [
                Paragraph(escape(row.state.area_name), small),
                Paragraph(escape(c.text), small),
                c.strength,
                row.state.status,
                _pct(row.percentage("IND")),
                _pct(row.percentage("MYS")),
            ]
        )
    grid = Table(table, colWidths=[30 * mm, 70 * mm, 22 * mm, 20 * mm, 14 * mm, 14 * mm], repeatRows=1)
    grid.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#10263d")),
                ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story.append(grid)
    story.append(Paragraph(f"Progress updates in {report.year}", styles["Heading2"]))
    if not report.updates:
        story.append(Paragraph("None recorded.", body))
    for state, item in report.updates:
        u = item.update
        evidence = ", ".join((e.label or e.evidence.ref) if e.visible else "withheld" for e in item.evidence)
        text = f"{u.date} {u.nation} on '{state.commitment.text}': {u.summary}"
        story.append(Paragraph(escape(text + (f" Evidence: {evidence}." if evidence else "")), small))
    story.append(Paragraph("Lags", styles["Heading2"]))
    for state in report.commitments:
        lag = state.lag
        if lag.terms_of_reference or lag.delivered:
            story.append(Paragraph(escape(lag_line(state)), small))
    title = f"Draft agenda: session {agenda.number or '?'}"
    if agenda.due:
        title += f", due by {agenda.due.isoformat()}, host {agenda.host_nation}"
    story.append(Paragraph(escape(title), styles["Heading2"]))
    for number, agenda_item in enumerate(agenda.items, start=1):
        story.append(Paragraph(escape(f"{number}. {agenda_item.heading}"), body))
        for point in agenda_item.points:
            story.append(Paragraph(escape(f"- {point}"), small))
    doc.build(story)
    return buffer.getvalue()


def lag_line(state: CommitmentState) -> str:
    lag = state.lag
    parts = [state.commitment.text]
    if lag.announced:
        parts.append(f"announced {state.commitment.announced}")
    if lag.terms_of_reference:
        parts.append(f"terms of reference {state.commitment.terms_of_reference} (+{lag.to_terms_months} months)")
    if lag.delivered:
        parts.append(f"delivered {state.commitment.delivered} (+{lag.to_delivery_months} months)")
    elif lag.open_months is not None:
        parts.append(f"not delivered after {lag.open_months} months")
    return "; ".join(parts)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0f}%"


# ----- OCDS ----------------------------------------------------------------------------


def _ocds_date(value: str | None) -> str | None:
    if not value:
        return None
    return value if "T" in value else f"{value}T00:00:00Z"


def ocds_package(register: Register, *, uri: str, publisher: str, published: datetime | None = None) -> dict[str, Any]:
    """Commitments as an OCDS 1.1 release package: a ``planning`` release each, then one per status report."""
    releases: list[dict[str, Any]] = []
    for state in register.commitments:
        c = state.commitment
        ocid = f"{OCID_PREFIX}-{c.id.split('--', 1)[1]}"
        first_date = _ocds_date(c.announced if c.announced and len(c.announced) == 10 else None) or c.modified
        base_milestones = [_milestone(m.key, m.title, m.due_date, m.status, None) for m in c.milestones]
        releases.append(_release(ocid, 1, first_date, ["planning"], c, base_milestones, register.nations))
        for number, item in enumerate((u for u in state.updates if u.update.milestone_key), start=2):
            u = item.update
            milestones = [
                _milestone(m.key, m.title, m.due_date, u.milestone_status or m.status, u.date)
                if m.key == u.milestone_key
                else _milestone(m.key, m.title, m.due_date, m.status, None)
                for m in c.milestones
            ]
            release = _release(
                ocid, number, _ocds_date(u.date) or u.date, ["planningUpdate"], c, milestones, register.nations
            )
            release["description"] = f"Status reported by {u.nation}: {u.summary}"
            releases.append(release)
    return {
        "uri": uri,
        "version": "1.1",
        "publishedDate": format_timestamp(published or now_utc()),
        "publisher": {"name": publisher},
        "releases": releases,
    }


def _milestone(key: str, title: str, due: str | None, status: str, reported: str | None) -> dict[str, Any]:
    milestone: dict[str, Any] = {"id": key, "title": title, "type": "delivery", "status": status}
    if due:
        milestone["dueDate"] = _ocds_date(due)
    if reported:
        milestone["dateModified"] = _ocds_date(reported)
        if status == "met":
            milestone["dateMet"] = _ocds_date(reported)
    return milestone


def _release(
    ocid: str,
    number: int,
    when: str,
    tag: Sequence[str],
    c: CommitmentView,
    milestones: list[dict[str, Any]],
    nations: Sequence[str],
) -> dict[str, Any]:
    return {
        "ocid": ocid,
        "id": f"{ocid}-{number:02d}",
        "date": when,
        "tag": list(tag),
        "initiationType": "tender",
        "language": "en",
        "parties": [{"id": n, "name": NATION_NAMES.get(n, n), "roles": ["buyer"]} for n in nations],
        "planning": {"rationale": c.text, "milestones": milestones},
    }
