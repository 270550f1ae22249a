"""Request and response bodies of the maritime REST API."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mitra.core.schemas import HandlingIn, IsoDateTime, PageRead

Category = Literal[
    "piracy",
    "armed-robbery",
    "smuggling",
    "iuu-fishing",
    "irregular-migration",
    "maritime-incident",
    "hybrid-threat",
    "pollution",
]
Severity = Literal["CAT 1", "CAT 2", "CAT 3", "CAT 4"]


class IncidentCreate(BaseModel):
    model_config = ConfigDict(strict=True)  # what the OpenAPI schema refuses, the API refuses too

    name: str = Field(min_length=1, max_length=300)
    category: Category
    severity: Severity | None = None
    attempted: bool = False
    occurred_at: IsoDateTime
    latitude: float = Field(ge=-90, le=90)
    longitude: float = Field(ge=-180, le=180)
    vessel_name: str | None = Field(default=None, max_length=200)
    vessel_imo: str | None = Field(default=None, pattern=r"^\d{7}$")
    vessel_mmsi: str | None = Field(default=None, pattern=r"^\d{9}$")
    description: str = Field(default="", max_length=20000)
    handling: HandlingIn


class IncidentRead(BaseModel):
    """An incident as listed: the object's properties as stored, with its TLP; ``severity`` always present."""

    model_config = ConfigDict(extra="allow")  # every other property of the object, as it is

    id: str
    severity: Severity | None = Field(
        description=(
            "ReCAAP ISC's category of significance (CAT 1 most significant); null: not graded, the source "
            "gave no grade (NGA ASAM and IMB never do; ReCAAP does not grade attempted incidents)"
        )
    )
    tlp: str = Field(description="The incident's TLP 2.0 level")
    held_by: list[str] = Field(
        description=(
            "The nations whose copies of this public record the incident stands for, this node's first: each node "
            "derives its own object from a record (an NGA ASAM reference, a source's record number), and a "
            "partner's copy of the same record is not listed as a second incident"
        )
    )


class IncidentPage(PageRead[IncidentRead]):
    total: int = Field(description="How many incidents match the filters, on every page")


class AreaUpload(BaseModel):
    model_config = ConfigDict(strict=True)

    geojson: dict[str, Any] = Field(description="A GeoJSON FeatureCollection, Feature or (Multi)Polygon")
    name: str | None = Field(default=None, max_length=200, description="Name for a single unnamed geometry")
    handling: HandlingIn


class StatsRow(BaseModel):
    grouping: Literal["area", "asam_subregion"]
    name: str
    year: int
    count: int


class StatsRead(BaseModel):
    total: int
    rows: list[StatsRow]


# ----- the other AIS reports: base stations, SAR aircraft, aids to navigation, safety messages -----------

_AT = "Time of the latest report in the window (UTC); null: time unknown (its source gave none)"
_BASIS = 'What that time rests on, in words ("time unknown" when it is null)'
_POSITION = "null: the report gave no position (not available); such a sender is listed, not drawn"


class _SenderRead(BaseModel):
    mmsi: int = Field(description="The sender's MMSI (base stations' begin 00, aids to navigation's 99)")
    name: str | None = Field(description="Its name where a report gives one; null: not known")
    lat: float | None = Field(description=_POSITION)
    lon: float | None = Field(description=_POSITION)
    at: str | None = Field(description=_AT)
    time_basis: str = Field(description=_BASIS)
    reports: int = Field(description="How many reports it sent in the window")
    first_at: str | None = Field(description="Time of its first report in the window; null: time unknown")


class BaseStationRead(_SenderRead):
    """A base station: its latest report (type 4, or 11: a UTC/date response) in the window."""

    station_time: str | None = Field(description="The UTC the station reports; null: not available")
    msg_type: int = Field(description="4 (base station report) or 11 (UTC/date response)")
    epfd: str = Field(description="Its position-fixing device in words (ITU-R M.1371 table 50)")


class SarAircraftRead(_SenderRead):
    """A search-and-rescue aircraft: its latest position report (type 9) in the window; never a vessel."""

    altitude_m: int | None = Field(description="Altitude in metres; null: not available")
    altitude_capped: bool = Field(description="true: 4094 m or more (the most AIS can say)")
    speed_kn: float | None = Field(description="Speed over ground in knots; null: not available")
    speed_capped: bool = Field(description="true: 1022 kn or more (the most AIS can say)")
    course: float | None = Field(description="Course over ground in degrees; null: not available")


class AidToNavigationRead(_SenderRead):
    """An aid to navigation: its latest report (type 21) in the window."""

    aid_type: int | None = Field(description="The ITU-R M.1371 table 74 code")
    aid_type_name: str = Field(description="That code in words")
    virtual: bool | None = Field(description="true: a virtual aid (no physical mark at the position)")
    off_position: bool | None = Field(
        description="true: the aid reports itself off its charted position; null: the report cannot say "
        "(its UTC second was 60-63, time or positioning not available)"
    )


class SafetyMessageRead(BaseModel):
    """A safety-related text message: addressed (type 12) or broadcast to all (type 14)."""

    mmsi: int = Field(description="The sender's MMSI")
    sender_name: str | None = Field(description="The sender's name from its static reports; null: not known")
    addressed: bool = Field(description="true: addressed to dest_mmsi (type 12); false: a broadcast (type 14)")
    dest_mmsi: int | None = Field(description="The addressee's MMSI; null for a broadcast")
    dest_name: str | None = Field(description="The addressee's name from its static reports; null: not known")
    text: str = Field(description="The message as sent (AIS six-bit text: capitals, digits, punctuation)")
    at: str | None = Field(description="When it was sent (UTC); null: time unknown (its source gave none)")
    time_basis: str = Field(description=_BASIS)
    msg_type: int = Field(description="12 or 14")
    seqno: int | None = Field(description="Sequence number of an addressed message; null for a broadcast")
    retransmit: bool | None = Field(description="An addressed message's retransmit flag; null for a broadcast")
    source: str | None = Field(description="The file or stream the message was read from")
    line: int | None = Field(description="Its line there (from 1)")


class _AisPageFields(BaseModel):
    total: int = Field(description="How many match the window, on every page: items holds the first or next of them")
    unknown_time_held: int = Field(description="How many reports of this kind are held with an unknown time")
    unknown_time_listed: bool = Field(
        description="Whether those are in this list (with at null): they are when no window (since, until) is "
        "asked for; a window leaves them out, since a time that is not known is in no window"
    )


class BaseStationPage(PageRead[BaseStationRead], _AisPageFields):
    """Base stations by MMSI, the latest report of each."""


class SarAircraftPage(PageRead[SarAircraftRead], _AisPageFields):
    """SAR aircraft by MMSI, the latest position of each."""


class AidToNavigationPage(PageRead[AidToNavigationRead], _AisPageFields):
    """Aids to navigation by MMSI, the latest report of each."""


class SafetyMessagePage(PageRead[SafetyMessageRead], _AisPageFields):
    """Safety messages newest first, those of unknown time last."""
