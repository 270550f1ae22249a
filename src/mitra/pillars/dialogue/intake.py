"""Document intake: rules and keyword lexicons (offline) that read a readout, joint statement or article.

``propose(text, facts)`` finds dates, places, people with titles, cooperation areas, commitment sentences
and a session's facts, and flags statements that contradict the register (for instance a visit dated
differently from the recorded one). It proposes only; a person accepts or edits each proposal.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from mitra.pillars.dialogue.models import STANDING_AREAS, SessionView

MONTHS = {
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sept": 9, "sep": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?P<month>January|February|March|April|May|June|July|August|September|October|November|December"
    r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept|Sep|Oct|Nov|Dec)\.?"
)
_DATE_PATTERNS = (
    ("range", re.compile(r"\b(?P<d1>\d{1,2})\s*[-–—]\s*(?P<d2>\d{1,2})\s+" + _MONTH + r",?\s+(?P<year>\d{4})\b")),
    ("day", re.compile(r"\b(?P<d1>\d{1,2})(?:st|nd|rd|th)?\s+(?:of\s+)?" + _MONTH + r",?\s+(?P<year>\d{4})\b")),
    ("day", re.compile(r"\b" + _MONTH + r"\s+(?P<d1>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<year>\d{4})\b")),
    ("iso", re.compile(r"\b(?P<year>\d{4})-(?P<m>\d{2})-(?P<d1>\d{2})\b")),
    ("month", re.compile(r"\b" + _MONTH + r",?\s+(?P<year>\d{4})\b")),
)
PLACES = (
    "New Delhi", "Kuala Lumpur", "Putrajaya", "Delhi", "Mumbai", "Chennai", "Kolkata", "Bengaluru", "Kochi",
    "Visakhapatnam", "Goa", "Penang", "Johor Bahru", "Langkawi", "Kota Kinabalu", "Kuching", "Singapore",
)  # fmt: skip
_NATION_WORDS = {"india": "IND", "indian": "IND", "malaysia": "MYS", "malaysian": "MYS"}
_TITLE = (
    r"(?P<title>(?:(?:National Security Council|NSC)\s+)?(?:Deputy\s+)?"
    r"(?:Prime Minister|National Security Advis[eo]r|Director[- ]General|Defen[cs]e Minister|Foreign Minister|"
    r"External Affairs Minister|Home Minister|Minister of [A-Z][a-z]+(?: [A-Z][a-z]+)?|President|"
    r"Chief of (?:Naval|Army|Air) Staff|Chief of Defen[cs]e (?:Staff|Forces)|High Commissioner|Ambassador|"
    r"Foreign Secretary|Defen[cs]e Secretary|Secretary-General|Secretary General))"
)
_NAME = r"(?P<name>[A-Z][A-Za-z.-]+(?:\s+(?:[A-Z][A-Za-z.-]+|bin|binti|bte|al|van|de)){0,6})"
_PERSON = re.compile(_TITLE + r",?\s+" + _NAME)
_PARTICLES = {"bin", "binti", "bte", "al", "van", "de"}
ORDINALS = {
    "first": 1, "inaugural": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "sixth": 6, "6th": 6,
}  # fmt: skip
_ORDINAL_DIALOGUE = re.compile(
    r"\b(?P<ord>first|inaugural|second|third|fourth|fifth|sixth|1st|2nd|3rd|4th|5th|6th)\s+"
    r"(?:[A-Za-z–-]+\s+){0,3}?(?:security\s+)?dialogue\b",
    re.IGNORECASE,
)
AREA_TERMS: dict[str, tuple[str, ...]] = {
    "counter-terrorism": (
        "counter-terrorism", "counter terrorism", "counterterrorism", "terrorism", "terrorist",
        "deradicalisation", "deradicalization", "radical ideolog", "radicalis", "radicaliz",
    ),
    "cyber-security": ("cyber security", "cyber-security", "cybersecurity", "cyberspace", "cybercrime", "cyber"),
    "maritime-security": (
        "maritime", "naval", "navy", "sea lanes", "strait of malacca", "south china sea", "indian ocean",
    ),
    "defence-industry": (
        "defence industry", "defense industry", "defence production", "defense production", "joint venture",
        "procurement", "hindustan aeronautics", "defence", "defense",
    ),
    "critical-minerals": ("critical minerals", "rare earth", "minerals"),
    "trade": ("trade", "trading partner", "exports", "imports"),
    "institutional": ("annual event", "annually", "institutionalis", "institutionaliz"),
}  # fmt: skip
_STRENGTH_RULES = (
    ("institutionalise", re.compile(r"\binstitutionali[sz](?:e|es|ed|ing)\b|\bannual event\b|\bannually\b", re.I)),
    ("explore", re.compile(r"\bexplor(?:e|es|ed|ing)\b", re.I)),
    ("deepen", re.compile(r"\b(?:deepen|enhance|strengthen|expand|intensify)(?:s|ed|ing)?\b", re.I)),
    ("agree to", re.compile(r"\b(?:agree|agreed|agrees|committed|commit|commits|decided|resolved)\s+to\b", re.I)),
)
MAX_TEXT = 2_000_000
_WORD = re.compile(r"[^\W\d_]{2,}")  # two or more letters
SENTENCE_WORDS = 3  # a line with fewer words than this is no sentence to read


@dataclass(frozen=True)
class DateMention:
    text: str
    start: date
    end: date
    precision: str  # day, month
    sentence: str

    def describe(self) -> str:
        if self.precision == "month":
            return self.start.strftime("%B %Y")
        if self.start == self.end:
            return f"{self.start.day} {self.start.strftime('%B %Y')}"
        return f"{self.start.day}-{self.end.day} {self.end.strftime('%B %Y')}"


@dataclass(frozen=True)
class PersonMention:
    name: str
    title: str
    nation: str | None
    co_chair: bool
    sentence: str


@dataclass(frozen=True)
class AreaMention:
    key: str
    name: str
    terms: tuple[str, ...]
    count: int


@dataclass(frozen=True)
class CommitmentProposal:
    sentence: str
    strength: str
    area: str | None


@dataclass(frozen=True)
class SessionProposal:
    number: int | None
    venue: str | None
    date: DateMention | None
    co_chairs: tuple[PersonMention, ...]


@dataclass(frozen=True)
class ConflictProposal:
    subject: str
    source_says: str
    register_says: str
    sentence: str
    refs: tuple[str, ...] = ()


@dataclass(frozen=True)
class RegisterFacts:
    """What the register holds that a document may contradict."""

    events: Sequence[Mapping[str, Any]] = ()
    sessions: Sequence[SessionView] = ()
    areas: Mapping[str, str] = field(default_factory=lambda: dict(STANDING_AREAS))


@dataclass(frozen=True)
class IntakeResult:
    sha256: str
    characters: int
    dates: tuple[DateMention, ...]
    places: tuple[str, ...]
    people: tuple[PersonMention, ...]
    areas: tuple[AreaMention, ...]
    commitments: tuple[CommitmentProposal, ...]
    session: SessionProposal
    conflicts: tuple[ConflictProposal, ...]


@dataclass(frozen=True)
class _Sentence:
    text: str
    heading: bool
    heading_area: str | None


def _normalise(text: str) -> str:
    text = unicodedata.normalize("NFKC", text[:MAX_TEXT])
    return text.replace("\u2019", "'").replace("\r\n", "\n").replace("\r", "\n")


def _sentences(text: str, areas: Mapping[str, tuple[str, ...]]) -> list[_Sentence]:
    result: list[_Sentence] = []
    current_area: str | None = None
    for raw_line in text.split("\n"):
        line = raw_line.strip()
        if not line:
            continue
        words = line.split()
        is_heading = len(words) <= 8 and not line.endswith((".", "!", "?", ":", ";"))
        if is_heading:
            found = _areas_in(line, areas)
            current_area = found[0] if found else None
            result.append(_Sentence(line, True, current_area))
            continue
        for part in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", line):
            if part.strip():
                result.append(_Sentence(part.strip(), False, current_area))
    return result


def count_sentences(text: str) -> int:
    """Sentences of at least :data:`SENTENCE_WORDS` words, headings aside: none, and the text gives nothing to read."""
    return sum(
        1
        for sentence in _sentences(_normalise(text), {})
        if not sentence.heading and len(_WORD.findall(sentence.text)) >= SENTENCE_WORDS
    )


def _term_pattern(term: str) -> re.Pattern[str]:
    return re.compile(r"(?<![A-Za-z])" + re.escape(term), re.IGNORECASE)


def _areas_in(text: str, areas: Mapping[str, tuple[str, ...]]) -> list[str]:
    return [key for key, terms in areas.items() if any(_term_pattern(t).search(text) for t in terms)]


def find_dates(sentence: str) -> list[DateMention]:
    """Dates of day or month precision; impossible ones (31 February) are ignored, never raised."""
    found: list[tuple[int, DateMention]] = []
    taken: list[tuple[int, int]] = []
    for kind, pattern in _DATE_PATTERNS:
        for match in pattern.finditer(sentence):
            span = match.span()
            if any(span[0] < end and start < span[1] for start, end in taken):
                continue
            mention = _date_of(kind, match, sentence)
            taken.append(span)  # an impossible day is not re-read as a month
            if mention is not None:
                found.append((span[0], mention))
    return [m for _, m in sorted(found, key=lambda pair: pair[0])]


def _date_of(kind: str, match: re.Match[str], sentence: str) -> DateMention | None:
    groups = match.groupdict()
    try:
        year = int(groups["year"])
        month = int(groups["m"]) if kind == "iso" else MONTHS[groups["month"].lower()]
        if kind == "month":
            start = date(year, month, 1)
            end = date(year + (month == 12), month % 12 + 1, 1).replace(day=1)
            end = date.fromordinal(end.toordinal() - 1)
            return DateMention(match.group(0), start, end, "month", sentence)
        start = date(year, month, int(groups["d1"]))
        end = date(year, month, int(groups["d2"])) if kind == "range" else start
    except (ValueError, KeyError, OverflowError):
        return None
    if end < start:
        return None
    return DateMention(match.group(0), start, end, "day", sentence)


def find_people(sentence: str) -> list[PersonMention]:
    people: list[PersonMention] = []
    co_chair = bool(re.search(r"co-?chair", sentence, re.IGNORECASE))
    for match in _PERSON.finditer(sentence):
        tokens = match.group("name").split()
        if tokens:
            tokens[-1] = tokens[-1].rstrip(".")
        while tokens and (tokens[-1].lower() in _PARTICLES or not tokens[-1]):
            tokens.pop()
        if not tokens:
            continue
        before = sentence[max(0, match.start() - 30) : match.start()].lower()
        words = re.findall(r"\b(india|indian|malaysia|malaysian)\b", before)
        nation = _NATION_WORDS[words[-1]] if words else None
        people.append(PersonMention(" ".join(tokens), match.group("title"), nation, co_chair, sentence))
    return people


def _strength_of(sentence: str) -> str | None:
    for strength, pattern in _STRENGTH_RULES:
        if pattern.search(sentence):
            return strength
    return None


def _key(name: str) -> str:
    return re.sub(r"\s+", " ", name).strip().casefold()


def _check_events(sentence: str, dates: Sequence[DateMention], facts: RegisterFacts) -> list[ConflictProposal]:
    conflicts: list[ConflictProposal] = []
    lowered = sentence.casefold()
    for event in facts.events:
        kind = str(event.get("kind", ""))
        people = [str(p) for p in event.get("people") or ()]
        if kind not in lowered or not any(_key(p) in lowered for p in people):
            continue
        try:
            start = date.fromisoformat(str(event["start_date"]))
            end = date.fromisoformat(str(event.get("end_date") or event["start_date"]))
        except (ValueError, KeyError):
            continue
        for mention in dates:
            if mention.end < start or mention.start > end:
                recorded = DateMention("", start, end, "day", "")
                conflicts.append(
                    ConflictProposal(
                        subject=f"date of {event.get('name', kind)}",
                        source_says=mention.describe(),
                        register_says=recorded.describe(),
                        sentence=sentence,
                        refs=(str(event.get("id", "")),) if event.get("id") else (),
                    )
                )
    return conflicts


def _check_session(proposal: SessionProposal, facts: RegisterFacts) -> list[ConflictProposal]:
    recorded = next((s for s in facts.sessions if s.number == proposal.number), None)
    if recorded is None:
        return []
    conflicts: list[ConflictProposal] = []
    subject = f"{recorded.ordinal} session"
    if proposal.venue and _key(proposal.venue) != _key(recorded.venue) and proposal.venue not in recorded.venue:
        conflicts.append(
            ConflictProposal(f"venue of the {subject}", proposal.venue, recorded.venue, "", (recorded.id,))
        )
    held = date.fromisoformat(recorded.date)
    if proposal.date and not (proposal.date.start <= held <= proposal.date.end):
        conflicts.append(
            ConflictProposal(
                f"date of the {subject}",
                proposal.date.describe(),
                DateMention("", held, held, "day", "").describe(),
                proposal.date.sentence,
                (recorded.id,),
            )
        )
    names = {_key(c.get("name", "")) for c in recorded.co_chairs}
    for person in proposal.co_chairs:
        if names and _key(person.name) not in names:
            conflicts.append(
                ConflictProposal(
                    f"co-chair of the {subject}",
                    person.name,
                    ", ".join(c.get("name", "") for c in recorded.co_chairs),
                    person.sentence,
                    (recorded.id,),
                )
            )
    return conflicts


def _places_in(sentence: str) -> list[str]:
    """Known places the sentence names, the longest only where one contains another (Kuala Lumpur, not Lumpur)."""
    named = [p for p in PLACES if re.search(rf"\b{re.escape(p)}\b", sentence)]
    return [p for p in named if not any(p != q and p in q for q in named)]


@dataclass
class _SessionClues:
    """What the sentences say of the session itself: the first ordinal, venue and date a dialogue sentence gives."""

    number: int | None = None
    venue: str | None = None
    date: DateMention | None = None

    def read(self, sentence: str, dates: Sequence[DateMention], places: Sequence[str]) -> None:
        ordinal = _ORDINAL_DIALOGUE.search(sentence)
        if ordinal and self.number is None:
            self.number = ORDINALS[ordinal.group("ord").lower()]
        if not re.search(r"\bdialogue\b", sentence, re.IGNORECASE):
            return
        if self.venue is None and places and re.search(r"\b(?:in|at)\s+" + re.escape(places[0]), sentence):
            self.venue = places[0]
        if self.date is None and dates and not re.search(r"\bvisit", sentence, re.IGNORECASE):
            self.date = dates[0]


def _commitment_in(sentence: _Sentence, area_terms: Mapping[str, tuple[str, ...]]) -> CommitmentProposal | None:
    """A commitment sentence (one with a strength verb), its area the first it names, else its heading's."""
    if sentence.heading:
        return None
    strength = _strength_of(sentence.text)
    if strength is None:
        return None
    mentioned = _areas_in(sentence.text, area_terms)
    area = "institutional" if strength == "institutionalise" else (mentioned[0] if mentioned else sentence.heading_area)
    return CommitmentProposal(sentence.text, strength, area)


def _area_mentions(text: str, area_terms: Mapping[str, tuple[str, ...]], facts: RegisterFacts) -> list[AreaMention]:
    mentions = []
    for key, terms in area_terms.items():
        hits = [t for t in terms if _term_pattern(t).search(text)]
        if hits:
            count = sum(len(_term_pattern(t).findall(text)) for t in hits)
            mentions.append(AreaMention(key, facts.areas.get(key, STANDING_AREAS.get(key, key)), tuple(hits), count))
    return mentions


def propose(text: str, facts: RegisterFacts | None = None) -> IntakeResult:
    """Everything the rules find in ``text``; never raises on odd input."""
    facts = facts or RegisterFacts()
    clean = _normalise(text)
    area_terms = dict(AREA_TERMS)
    for key, name in facts.areas.items():
        if key not in area_terms:
            area_terms[key] = (name.casefold(),) if name.strip() else (key,)
    dates: list[DateMention] = []
    people: list[PersonMention] = []
    places: list[str] = []
    commitments: list[CommitmentProposal] = []
    conflicts: list[ConflictProposal] = []
    clues = _SessionClues()
    for sentence in _sentences(clean, area_terms):
        found_dates = find_dates(sentence.text)
        dates.extend(found_dates)
        people.extend(p for p in find_people(sentence.text) if p.name not in {q.name for q in people})
        in_sentence = _places_in(sentence.text)
        places.extend(p for p in in_sentence if p not in places)
        clues.read(sentence.text, found_dates, in_sentence)
        conflicts.extend(_check_events(sentence.text, found_dates, facts))
        commitment = _commitment_in(sentence, area_terms)
        if commitment is not None:
            commitments.append(commitment)
    session = SessionProposal(clues.number, clues.venue, clues.date, tuple(p for p in people if p.co_chair))
    conflicts.extend(_check_session(session, facts))
    return IntakeResult(
        sha256=hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest(),
        characters=len(text),
        dates=tuple(dates),
        places=tuple(places),
        people=tuple(people),
        areas=tuple(_area_mentions(clean, area_terms, facts)),
        commitments=tuple(commitments),
        session=session,
        conflicts=tuple(conflicts),
    )
