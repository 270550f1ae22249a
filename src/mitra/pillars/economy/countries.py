"""Country names as the shipped statistics spell them, mapped to ISO 3166-1 alpha-3."""

from __future__ import annotations

from mitra.foundation.words import N_, Said
from mitra.pillars.economy.cells import clean_text

# USGS Mineral Commodity Summaries names (and a few World Mining Data ones) that differ from ISO/BACI names.
NAME_TO_ISO3: dict[str, str] = {
    "argentina": "ARG",
    "australia": "AUS",
    "austria": "AUT",
    "bolivia": "BOL",
    "brazil": "BRA",
    "burma": "MMR",
    "myanmar": "MMR",
    "burundi": "BDI",
    "canada": "CAN",
    "chile": "CHL",
    "china": "CHN",
    "congo (kinshasa)": "COD",
    "congo, d.r.": "COD",
    "cuba": "CUB",
    "germany": "DEU",
    "greenland": "GRL",
    "india": "IND",
    "indonesia": "IDN",
    "korea, north": "PRK",
    "korea, republic of": "KOR",
    "laos": "LAO",
    "madagascar": "MDG",
    "malaysia": "MYS",
    "mexico": "MEX",
    "morocco": "MAR",
    "mozambique": "MOZ",
    "new caledonia": "NCL",
    "nigeria": "NGA",
    "norway": "NOR",
    "papua new guinea": "PNG",
    "peru": "PER",
    "philippines": "PHL",
    "portugal": "PRT",
    "russia": "RUS",
    "rwanda": "RWA",
    "south africa": "ZAF",
    "sri lanka": "LKA",
    "tanzania": "TZA",
    "thailand": "THA",
    "turkey": "TUR",
    "ukraine": "UKR",
    "united states": "USA",
    "uzbekistan": "UZB",
    "vietnam": "VNM",
    "zimbabwe": "ZWE",
}

# The two partners, and names used for them in file headers.
PARTNER_NAMES = {"IND": N_("India"), "MYS": N_("Malaysia")}


def partner_said(iso3: str) -> Said | str:
    """A partner's name to be said in the reader's language (another country's code or name as it is)."""
    name = PARTNER_NAMES.get(iso3)
    return Said(name) if name is not None else iso3


def iso3_for_name(name: str) -> str | None:
    return NAME_TO_ISO3.get(clean_text(name).lower())


def row_role(name: str) -> str:
    """Is a production row one country, an 'Other countries' remainder, or a world total?"""
    lowered = clean_text(name).lower()
    if lowered.startswith("world total") or lowered in {"total", "world"}:
        return "world-total"
    if lowered.startswith("other countries") or lowered == "others":
        return "other"
    return "country"
