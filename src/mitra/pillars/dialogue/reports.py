"""The annual progress report, the next session's draft agenda (PDF with reportlab charts) and OCDS exports."""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from babel import Locale
from babel.dates import format_date
from reportlab.graphics.charts.barcharts import HorizontalBarChart, VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mitra.foundation.errors import InvalidInput
from mitra.foundation.timestamps import format_timestamp, now_utc
from mitra.pillars.dialogue.models import NATION_NAMES, STATUS_WORDS, CommitmentView, SessionView, session_line
from mitra.pillars.dialogue.service import (
    COMMITMENT_STATUSES,
    CommitmentState,
    ComplianceRow,
    NextSession,
    Register,
    UpdateState,
    compliance,
    nation_percentage,
    years_with_data,
)
from mitra.policy import TLP_LEVELS

OCID_PREFIX = "ocds-mitra1"  # not a registered OCDS prefix: exports are for checking, not publication


@dataclass(frozen=True)
class AreaCompliance:
    key: str
    name: str
    percentages: dict[str, float | None]

    @property
    def scored(self) -> bool:
        """Whether any nation has a score in this area (a chart draws only these)."""
        return any(v is not None for v in self.percentages.values())


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
    tlp: str = "clear"  # the report's marking: the most restrictive of what it carries

    @property
    def empty(self) -> bool:
        """Nothing of this year: no session, no update, no score."""
        return not (self.sessions or self.updates or any(c for r in self.rows for c in r.cells))


class NothingToReport(InvalidInput):
    """A year the register holds nothing for; names the years it does."""

    def __init__(self, year: int, years: Sequence[int]) -> None:
        held = ", ".join(str(y) for y in years) or "none yet"
        super().__init__(f"year: nothing to report for {year}; the register has data for {held}")
        self.year = year
        self.years = tuple(years)


def report_for(register: Register, *, year: int) -> AnnualReport:
    """The annual report of ``year``; :class:`NothingToReport` when the register holds nothing of it."""
    years = years_with_data(register)
    report = annual_report(register, year=year)
    if year not in years:
        raise NothingToReport(year, years)
    return report


def strictest_tlp(levels: Sequence[str]) -> str:
    """The most restrictive of ``levels`` in TLP 2.0's order (an unknown level counts as RED): a document that
    quotes objects carries the marking of the most restricted one."""
    order = {level: rank for rank, level in enumerate(TLP_LEVELS)}
    return max(levels, key=lambda level: order.get(level, len(TLP_LEVELS)), default="clear")


def annual_report(register: Register, *, year: int) -> AnnualReport:
    rows = compliance(register, years=[year])
    by_area = []
    for key, name, states in register.by_area():
        ids = {s.commitment.id for s in states}
        area_rows = [r for r in rows if r.state.commitment.id in ids]
        by_area.append(AreaCompliance(key, name, {n: nation_percentage(area_rows, n, year) for n in register.nations}))
    updates = [(s, u) for s in register.commitments for u in s.updates if u.update.year == year]
    updates.sort(key=lambda pair: pair[1].update.date)
    carried = [register.tlps.get(s.id, "clear") for s in register.sessions]
    carried += [s.commitment.tlp for s in register.commitments]
    carried += [u.tlp for _, u in updates]
    carried += [e.tlp for _, u in updates for e in u.evidence if e.visible and e.tlp]
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
        tlp=strictest_tlp(carried),
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
                    line += f"; milestone '{m.title}' due {readable_date(m.due_date) if m.due_date else 'undated'}"
                    line += f" is {STATUS_WORDS.get(m.status, m.status)}"
            if state.lag.terms_of_reference and not state.lag.delivered and state.lag.open_months is not None:
                line += f"; open {state.lag.open_months} months since announcement"
            points.append(line)
        if points:
            items.append(AgendaItem(name, points))
    conflicts = [
        f"{s.commitment.text}: '{m.title}' reported "
        + " vs ".join(f"{n} {STATUS_WORDS.get(status, status)}" for n, (status, _, _) in sorted(m.by_nation.items()))
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


# TLP 2.0 (FIRST): the label in the header and the footer of every page, right-aligned, its colour on black.
TLP_COLOURS = {
    "clear": "#FFFFFF",
    "green": "#33FF00",
    "amber": "#FFC000",
    "amber+strict": "#FFC000",
    "red": "#FF2B2B",
}
CHART_FONT = 6  # points, of the category labels


def readable_date(value: str | date | None, *, locale: Locale | str = "en_GB") -> str:
    """A date as known, as people read it: to the day ("7 Jan 2025"), the month ("Nov 2015") or the year."""
    if value is None or value == "":
        return "—"
    if isinstance(value, date):
        return format_date(value, "medium", locale=locale)
    text = str(value).strip()
    try:
        if len(text) == 4 and text.isdigit():
            return text
        if len(text) == 7:
            return format_date(date.fromisoformat(f"{text}-01"), "MMM y", locale=locale)
        return format_date(date.fromisoformat(text[:10]), "medium", locale=locale)
    except ValueError:
        return text


def shorten_label(text: str, *, width: int, lines: int = 2) -> str:
    """``text`` wrapped at word boundaries into at most ``lines`` lines of ``width`` characters; what does not
    fit ends with an ellipsis after the last whole word (a word longer than a line is cut, with the ellipsis)."""
    wrapped = textwrap.wrap(text, width=max(width, 4), break_long_words=False) or [""]
    if len(wrapped) <= lines and all(len(line) <= width for line in wrapped):
        return "\n".join(wrapped)
    kept = wrapped[:lines]
    last = kept[-1]
    if len(kept) < len(wrapped) or len(last) > width:
        words = last.split()
        while words and len(" ".join(words)) + 1 > width:
            words.pop()
        last = (" ".join(words) if words else last[: width - 1]) + "…"
    return "\n".join([*kept[:-1], last])


def _no_data(drawing: Drawing, title: str, why: str) -> Drawing:
    drawing.add(String(12 * mm, drawing.height - 4 * mm, title, fontSize=8))
    drawing.add(String(drawing.width / 2, drawing.height / 2, f"No data: {why}", fontSize=9, textAnchor="middle"))
    return drawing


def _compliance_chart(report: AnnualReport) -> Drawing:
    drawing = Drawing(170 * mm, 76 * mm)
    title = f"Compliance {report.year} by area, % ({report.nations[0]} amber, {report.nations[-1]} blue)"
    areas = [a for a in report.by_area if a.scored]
    if not areas:
        return _no_data(drawing, title, f"no commitment is scored for {report.year}")
    chart = VerticalBarChart()
    chart.x, chart.y, chart.width, chart.height = 12 * mm, 20 * mm, 150 * mm, 48 * mm
    chart.data = [[a.percentages.get(n) or 0.0 for a in areas] for n in report.nations]
    per_area = chart.width / len(areas)  # points a category's label may take
    width = int(per_area / (CHART_FONT * 0.5))  # Helvetica's mean advance is about half the size
    chart.categoryAxis.categoryNames = [shorten_label(a.name, width=width, lines=3) for a in areas]
    chart.categoryAxis.labels.fontSize = CHART_FONT
    chart.categoryAxis.labels.leading = CHART_FONT + 1
    chart.categoryAxis.labels.boxAnchor = "n"
    chart.valueAxis.valueMin, chart.valueAxis.valueMax, chart.valueAxis.valueStep = 0, 100, 25
    chart.bars[0].fillColor = colors.HexColor("#f3b03a")
    chart.bars[1].fillColor = colors.HexColor("#0b5cad")
    chart.barLabelFormat = "%.0f%%"  # a score of 0% reads as one, not as a missing bar
    chart.barLabels.fontSize = CHART_FONT
    chart.barLabels.nudge = 5
    drawing.add(chart)
    drawing.add(String(12 * mm, drawing.height - 4 * mm, title, fontSize=8))
    return drawing


def _status_chart(report: AnnualReport) -> Drawing:
    drawing = Drawing(170 * mm, 45 * mm)
    title = "Commitments by status"
    if not any(report.status_counts.values()):
        return _no_data(drawing, title, "no commitment is recorded")
    chart = HorizontalBarChart()
    chart.x, chart.y, chart.width, chart.height = 30 * mm, 5 * mm, 130 * mm, 32 * mm
    chart.data = [[float(report.status_counts[s]) for s in COMMITMENT_STATUSES]]
    chart.categoryAxis.categoryNames = list(COMMITMENT_STATUSES)
    chart.categoryAxis.labels.fontSize = 7
    chart.valueAxis.valueMin = 0
    chart.valueAxis.valueStep = 1
    chart.bars[0].fillColor = colors.HexColor("#1b6e34")
    drawing.add(chart)
    drawing.add(String(30 * mm, 41 * mm, title, fontSize=8))
    return drawing


class _MarkedCanvas(Canvas):  # type: ignore[misc]  # reportlab ships no type hints: Canvas is Any
    """A canvas that puts the TLP label in the header and footer of every page and "Page N of M" in the
    footer: pages are kept until the end, when M is known."""

    tlp = "clear"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 - reportlab's name
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        total = len(self._pages)
        for number, state in enumerate(self._pages, start=1):
            self.__dict__.update(state)
            self._mark(number, total)
            super().showPage()
        super().save()

    def _mark(self, number: int, total: int) -> None:
        width, height = self._pagesize
        label = f"TLP:{self.tlp.upper()}"
        for y in (height - 12 * mm, 8 * mm):
            self.setFont("Helvetica-Bold", 10)
            text_width = self.stringWidth(label, "Helvetica-Bold", 10)
            self.setFillColor(colors.black)
            self.rect(width - 18 * mm - text_width - 4, y - 3, text_width + 8, 14, stroke=0, fill=1)
            self.setFillColor(colors.HexColor(TLP_COLOURS.get(self.tlp, "#FF2B2B")))
            self.drawRightString(width - 18 * mm, y, label)
        self.setFillColor(colors.black)
        self.setFont("Helvetica", 8)
        self.drawString(18 * mm, 8 * mm, f"Page {number} of {total}")


def report_pdf(report: AnnualReport, agenda: DraftAgenda) -> bytes:
    """The annual progress report and the draft agenda as one PDF (charts drawn with reportlab.graphics)."""
    buffer = io.BytesIO()
    styles = getSampleStyleSheet()
    body, small = styles["BodyText"], styles["Normal"]
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=f"Security Dialogue progress report {report.year}",
        topMargin=22 * mm,
        bottomMargin=20 * mm,
    )
    marking = f"TLP:{report.tlp.upper()}"
    story: list[Any] = [
        Paragraph(f"India-Malaysia Security Dialogue: progress report {report.year}", styles["Title"]),
        Paragraph(
            escape(
                f"{marking}: the most restrictive marking of what this report carries. "
                f"Generated from the register on {readable_date(report.today)}."
            ),
            small,
        ),
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
                escape(f"Next: session {nxt.number}, due by {readable_date(nxt.due)}, host {nxt.host_nation}.{flag}"),
                body,
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
    cell = ParagraphStyle("cell", parent=small, fontSize=7, leading=8.5)  # table text: words whole, never split
    table: list[list[Any]] = [["Area", "Commitment", "Strength", "Status", *report.nations]]
    for row in report.rows:
        c = row.state.commitment
        table.append(
            [
                Paragraph(escape(row.state.area_name), cell),
                Paragraph(escape(c.text), cell),
                Paragraph(escape(c.strength), cell),
                Paragraph(escape(row.state.status), cell),
                *(_pct(row.percentage(n)) for n in report.nations),
            ]
        )
    grid = Table(
        table,
        colWidths=[32 * mm, 66 * mm, 24 * mm, 20 * mm, *([28 * mm / len(report.nations)] * len(report.nations))],
        repeatRows=1,
    )
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
        text = f"{readable_date(u.date)} {u.nation} on '{state.commitment.text}': {u.summary}"
        story.append(Paragraph(escape(text + (f" Evidence: {evidence}." if evidence else "")), small))
    story.append(Paragraph("Lags", styles["Heading2"]))
    for state in report.commitments:
        lag = state.lag
        if lag.terms_of_reference or lag.delivered:
            story.append(Paragraph(escape(lag_line(state)), small))
    title = f"Draft agenda: session {agenda.number or '?'}"
    if agenda.due:
        title += f", due by {readable_date(agenda.due)}, host {agenda.host_nation}"
    story.append(Paragraph(escape(title), styles["Heading2"]))
    for number, agenda_item in enumerate(agenda.items, start=1):
        story.append(Paragraph(escape(f"{number}. {agenda_item.heading}"), body))
        for point in agenda_item.points:
            story.append(Paragraph(escape(f"- {point}"), small))
    canvas = type("ReportCanvas", (_MarkedCanvas,), {"tlp": report.tlp})
    doc.build(story, canvasmaker=canvas)
    return buffer.getvalue()


def lag_line(state: CommitmentState) -> str:
    lag = state.lag
    parts = [state.commitment.text]
    if lag.announced:
        parts.append(f"announced {readable_date(state.commitment.announced)}")
    if lag.terms_of_reference:
        tor = readable_date(state.commitment.terms_of_reference)
        parts.append(f"terms of reference {tor} (+{lag.to_terms_months} months)")
    if lag.delivered:
        parts.append(f"delivered {readable_date(state.commitment.delivered)} (+{lag.to_delivery_months} months)")
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
