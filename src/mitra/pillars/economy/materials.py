"""The six critical minerals the partnership tracks, with the HS codes and file names that stand for each."""

from __future__ import annotations

from dataclasses import dataclass

from mitra.core.errors import NotFound


@dataclass(frozen=True)
class Material:
    """One mineral: how each shipped source names it and which HS92 codes carry its trade."""

    key: str  # URL and CLI name
    name: str
    usgs_stem: str  # mcs20XX-<stem>_world.csv
    wmd_name: str  # material column of the World Mining Data extract
    hs_codes: tuple[str, ...]  # HS92 6-digit codes summed for trade figures
    hs_note: str  # what those codes cover and what they leave out
    stage: str  # the production stage both production sources report
    eol_rir_default: float  # used only until the HS-code map file is imported


MATERIALS: tuple[Material, ...] = (
    Material(
        key="rare-earths",
        name="Rare earths",
        usgs_stem="raree",
        wmd_name="Rare Earths (REO)",
        hs_codes=("280530", "284610", "284690"),
        hs_note="280530 rare-earth metals, scandium and yttrium; 284610 cerium compounds; "
        "284690 other rare-earth compounds. Magnets (8505) are not in the extract.",
        stage="mine",
        eol_rir_default=0.01,
    ),
    Material(
        key="tin",
        name="Tin",
        usgs_stem="tin",
        wmd_name="Tin",
        hs_codes=("260900",),
        hs_note="260900 tin ores and concentrates. Unwrought tin (8001) is not in the extract.",
        stage="mine",
        eol_rir_default=0.31,
    ),
    Material(
        key="lithium",
        name="Lithium",
        usgs_stem="lithi",
        wmd_name="Lithium (Li2O)",
        hs_codes=("282520", "283691"),
        hs_note="282520 lithium oxide and hydroxide; 283691 lithium carbonate.",
        stage="mine",
        eol_rir_default=0.0,
    ),
    Material(
        key="nickel",
        name="Nickel",
        usgs_stem="nicke",
        wmd_name="Nickel",
        hs_codes=("260400",),
        hs_note="260400 nickel ores and concentrates. "
        "Nickel mattes and unwrought nickel (7501, 7502) are not in the extract.",
        stage="mine",
        eol_rir_default=0.16,
    ),
    Material(
        key="cobalt",
        name="Cobalt",
        usgs_stem="cobal",
        wmd_name="Cobalt",
        hs_codes=("282200", "810510"),
        hs_note="282200 cobalt oxides and hydroxides; 810510 cobalt mattes, unwrought cobalt, waste, powders.",
        stage="mine",
        eol_rir_default=0.22,
    ),
    Material(
        key="graphite",
        name="Graphite",
        usgs_stem="graph",
        wmd_name="Graphite",
        hs_codes=("250410", "250490"),
        hs_note="250410 natural graphite in powder or flakes; 250490 natural graphite in other forms.",
        stage="mine",
        eol_rir_default=0.03,
    ),
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
    return _BY_WMD.get(name)


def material_for_hs_map_name(name: str) -> Material | None:
    """The HS-code map names materials as World Mining Data does."""
    return _BY_WMD.get(name)
