"""The six critical minerals the partnership tracks, with the HS codes and file names that stand for each."""

from __future__ import annotations

from dataclasses import dataclass

from mitra.foundation.errors import NotFound


@dataclass(frozen=True)
class Material:
    """One mineral: how each shipped source names it and which HS92 codes carry its trade."""

    key: str  # URL and CLI name
    name: str
    usgs_stem: str  # mcs20XX-<stem>_world.csv
    wmd_name: str  # material column of the World Mining Data extract
    hs_codes: tuple[str, ...]  # HS92 6-digit codes summed for trade figures
    eol_rir_default: float  # used only until the HS-code map file is imported
    hs_note: str  # what those codes cover and what they leave out
    stage: str = "mine"  # the production stage both production sources report


# What the HS codes of each material cover and leave out.
_HS_NOTES = {
    "rare-earths": "280530 rare-earth metals, scandium and yttrium; 284610 cerium compounds; "
    "284690 other rare-earth compounds. Magnets (8505) are not in the extract.",
    "tin": "260900 tin ores and concentrates. Unwrought tin (8001) is not in the extract.",
    "lithium": "282520 lithium oxide and hydroxide; 283691 lithium carbonate.",
    "nickel": "260400 nickel ores and concentrates. "
    "Nickel mattes and unwrought nickel (7501, 7502) are not in the extract.",
    "cobalt": "282200 cobalt oxides and hydroxides; 810510 cobalt mattes, unwrought cobalt, waste, powders.",
    "graphite": "250410 natural graphite in powder or flakes; 250490 natural graphite in other forms.",
}

MATERIALS: tuple[Material, ...] = tuple(
    Material(key, name, stem, wmd, codes, eol, _HS_NOTES[key])
    for key, name, stem, wmd, codes, eol in (
        # key, name, USGS stem, World Mining Data name, HS92 codes, EoL-RIR default
        ("rare-earths", "Rare earths", "raree", "Rare Earths (REO)", ("280530", "284610", "284690"), 0.01),
        ("tin", "Tin", "tin", "Tin", ("260900",), 0.31),
        ("lithium", "Lithium", "lithi", "Lithium (Li2O)", ("282520", "283691"), 0.0),
        ("nickel", "Nickel", "nicke", "Nickel", ("260400",), 0.16),
        ("cobalt", "Cobalt", "cobal", "Cobalt", ("282200", "810510"), 0.22),
        ("graphite", "Graphite", "graph", "Graphite", ("250410", "250490"), 0.03),
    )
)

_BY_KEY = {m.key: m for m in MATERIALS}
_BY_STEM = {m.usgs_stem: m for m in MATERIALS}
_BY_WMD = {m.wmd_name: m for m in MATERIALS}


def material(key: str) -> Material:
    """The material called ``key`` (``rare-earths``, ``tin``, ...), or NotFound naming the known ones."""
    try:
        return _BY_KEY[key]
    except KeyError:
        known = ", ".join(_BY_KEY)
        raise NotFound(f"material {key!r} is not tracked; known: {known}") from None


def material_for_usgs_stem(stem: str) -> Material | None:
    return _BY_STEM.get(stem)


def material_for_wmd_name(name: str) -> Material | None:
    """The material World Mining Data (and the HS-code map, which follows it) calls ``name``."""
    return _BY_WMD.get(name)
