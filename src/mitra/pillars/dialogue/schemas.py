"""Request and response bodies of ``/api/v1/dialogue``."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mitra.core.schemas import HandlingIn, kept_home
from mitra.pillars.dialogue.service import (
    CommitmentInput,
    CommitmentState,
    EvidenceInput,
    IndicatorInput,
    MilestoneInput,
    SessionInput,
    UpdateInput,
)


class StrictIn(BaseModel):
    """Request bodies: no coercion, so what the OpenAPI schema refuses, the API refuses too."""

    model_config = ConfigDict(strict=True)


class EvidenceIn(StrictIn):
    ref: str = Field(max_length=120, description="Id of an object on this node (any pillar)")
    relation: str = Field("supports", max_length=40)
    counts_toward: str | None = Field(None, max_length=60, description="Indicator key this evidence adds to")
    amount: float = 1.0


class IndicatorValueIn(StrictIn):
    key: str = Field(max_length=60)
    value: float


class UpdateCreate(StrictIn):
    summary: str = Field(max_length=4000)
    date: str = Field(max_length=20, description="YYYY-MM-DD, not in the future")
    milestone_key: str | None = Field(None, max_length=60)
    milestone_status: Literal["scheduled", "met", "notMet", "partiallyMet"] | None = None
    indicator_values: list[IndicatorValueIn] = Field(default_factory=list, max_length=50)
    evidence: list[EvidenceIn] = Field(default_factory=list, max_length=100)
    handling: HandlingIn = Field(default_factory=kept_home)

    def to_input(self, commitment_ref: str) -> UpdateInput:
        return UpdateInput(
            commitment_ref=commitment_ref,
            summary=self.summary,
            date=self.date,
            milestone_key=self.milestone_key,
            milestone_status=self.milestone_status,
            indicator_values=tuple((v.key, v.value) for v in self.indicator_values),
            evidence=tuple(EvidenceInput(e.ref, e.relation, e.counts_toward, e.amount) for e in self.evidence),
            handling=self.handling,
        )


class MilestoneIn(StrictIn):
    key: str = Field(max_length=60)
    title: str = Field(max_length=300)
    due_date: str | None = Field(None, max_length=20)
    party: str = Field("both", pattern=r"^([A-Z]{3}|both)$", description="A nation of the partnership, or both")


class IndicatorIn(StrictIn):
    key: str = Field(max_length=60)
    name: str = Field(max_length=300)
    unit: str = Field("count", max_length=30)
    baseline: float = 0.0
    targets: dict[str, float] = Field(default_factory=dict)


class CommitmentCreate(StrictIn):
    area: str = Field(max_length=60)
    text: str = Field(max_length=4000)
    strength: str = Field(max_length=30, description="deepen, explore, agree to or institutionalise")
    verifiable: bool = True
    session_ref: str | None = Field(None, max_length=120)
    source: str = Field("", max_length=300)
    owners: dict[str, str] = Field(default_factory=dict)
    milestones: list[MilestoneIn] = Field(default_factory=list, max_length=50)
    indicators: list[IndicatorIn] = Field(default_factory=list, max_length=50)
    announced: str | None = Field(None, max_length=10)
    terms_of_reference: str | None = Field(None, max_length=10)
    delivered: str | None = Field(None, max_length=10)
    handling: HandlingIn = Field(default_factory=kept_home)

    def to_input(self) -> CommitmentInput:
        return CommitmentInput(
            area=self.area,
            text=self.text,
            strength=self.strength,
            verifiable=self.verifiable,
            session_ref=self.session_ref,
            source=self.source,
            owners=self.owners,
            milestones=tuple(MilestoneInput(m.key, m.title, m.due_date, m.party) for m in self.milestones),
            indicators=tuple(IndicatorInput(i.key, i.name, i.unit, i.baseline, i.targets) for i in self.indicators),
            announced=self.announced,
            terms_of_reference=self.terms_of_reference,
            delivered=self.delivered,
            handling=self.handling,
        )


class SessionCreate(StrictIn):
    number: int = Field(ge=1, le=1000)
    date: str = Field(max_length=20)
    venue: str = Field(max_length=200)
    host_nation: str = Field(max_length=3)
    co_chairs: list[dict[str, str]] = Field(default_factory=list, max_length=10)
    delegations: dict[str, list[str]] = Field(default_factory=dict)
    agenda: list[str] = Field(default_factory=list, max_length=100)
    readout_text: str = Field("", max_length=200_000)
    source_url: str = Field("", max_length=500)
    handling: HandlingIn = Field(default_factory=kept_home)

    def to_input(self) -> SessionInput:
        return SessionInput(
            number=self.number,
            date=self.date,
            venue=self.venue,
            host_nation=self.host_nation,
            co_chairs=tuple(self.co_chairs),
            delegations=self.delegations,
            agenda=tuple(self.agenda),
            readout_text=self.readout_text,
            source_url=self.source_url,
            handling=self.handling,
        )


class AreaCreate(StrictIn):
    key: str = Field(max_length=41)
    name: str = Field(max_length=200)
    handling: HandlingIn = Field(default_factory=kept_home)


class IntakeRequest(StrictIn):
    text: str = Field(max_length=150_000)


class Created(BaseModel):
    id: str
    type: str
    modified: str


class MilestoneRead(BaseModel):
    key: str
    title: str
    due_date: str | None
    status: str
    overdue: bool
    by_nation: dict[str, str]


class EvidenceRead(BaseModel):
    ref: str
    relation: str
    counts_toward: str | None
    visible: bool
    label: str | None  # None when withheld


class UpdateRead(BaseModel):
    id: str
    date: str
    nation: str
    summary: str
    milestone_key: str | None
    milestone_status: str | None
    evidence: list[EvidenceRead]


class CommitmentRead(BaseModel):
    id: str
    area: str
    text: str
    strength: str
    verifiable: bool
    status: str
    originator: str
    milestones: list[MilestoneRead]
    indicators: dict[str, dict[str, float]]
    updates: list[UpdateRead]
    conflicts: list[str]

    @classmethod
    def of(cls, state: CommitmentState) -> CommitmentRead:
        c = state.commitment
        return cls(
            id=c.id,
            area=c.area,
            text=c.text,
            strength=c.strength,
            verifiable=c.verifiable,
            status=state.status,
            originator=c.originator,
            milestones=[
                MilestoneRead(
                    key=m.key,
                    title=m.title,
                    due_date=m.due_date,
                    status=m.status,
                    overdue=m.overdue,
                    by_nation={n: s for n, (s, _, _) in m.by_nation.items()},
                )
                for m in state.milestones
            ],
            indicators={i.key: {str(y): v for y, v in i.actuals.items()} for i in state.indicators},
            updates=[
                UpdateRead(
                    id=u.update.id,
                    date=u.update.date,
                    nation=u.update.nation,
                    summary=u.update.summary,
                    milestone_key=u.update.milestone_key,
                    milestone_status=u.update.milestone_status,
                    evidence=[
                        EvidenceRead(
                            ref=e.evidence.ref,
                            relation=e.evidence.relation,
                            counts_toward=e.evidence.counts_toward,
                            visible=e.visible,
                            label=e.label if e.visible else None,
                        )
                        for e in u.evidence
                    ],
                )
                for u in state.updates
            ],
            conflicts=[m.key for m in state.conflicts],
        )


class StatusRead(BaseModel):
    sessions: int
    next_session_number: int | None
    next_session_due: str | None
    next_session_overdue: bool
    status_counts: dict[str, int]


class ComplianceRead(BaseModel):
    year: int
    overall: dict[str, float | None]
    commitments: dict[str, dict[str, float | None]]
