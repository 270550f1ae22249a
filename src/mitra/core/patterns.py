"""Fast acceptance of common STIX 2.1 patterns; ``stix2-patterns`` stays the authority for everything else.

``stix2-patterns`` parses a pattern with an ANTLR grammar in pure Python: about 1.5 ms a pattern, most of
a partner's sync of indicators (benchmarks/sync.py). :func:`plainly_valid` says *yes* only for patterns of
a small, common shape that the grammar certainly accepts, and never says *no*: any other pattern (a
qualifier, parentheses, NOT, IN, a timestamp or binary constant, an unusual character) goes to
``stix2-patterns``, which decides and words the error. The shape:

    [type:path op value (AND|OR type:path op value)*] ((AND|OR|FOLLOWEDBY) [...])*

with single spaces between tokens, ``op`` one of ``=  !=  <  <=  >  >=  LIKE  MATCHES``, ``value`` a
quoted string, an integer or ``true``/``false``, and a path of plain names, quoted names
(``hashes.'SHA-256'``), list indexes and ``[*]``. Hash values are checked with the library's own table of
hash formats, as its validator does. The tests hold it to that: whatever is accepted here,
``stix2patterns.validator.run_validator`` accepts, on generated and on real patterns.
"""

from __future__ import annotations

import re
from functools import lru_cache

from stix2patterns.v21.object_validator import HASHES_REGEX

# The grammar's words: a plain path component spelled like one (in any case) is left to the library.
_KEYWORDS = frozenset(
    {
        "and",
        "or",
        "not",
        "followedby",
        "like",
        "matches",
        "issuperset",
        "issubset",
        "last",
        "in",
        "start",
        "stop",
        "seconds",
        "within",
        "repeats",
        "times",
        "true",
        "false",
        "t",
        "h",
        "b",
    }
)
_OBJECT_TYPE = r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_QUOTED_NAME = r"'[A-Za-z0-9_\-]+'"
_STEP = rf"(?:\.{_NAME}|\.{_QUOTED_NAME}|\[(?:\*|0|[1-9][0-9]*)\])"
_STRING = r"'(?:[^'\\\x00-\x1f]|\\'|\\\\)*'"
_INTEGER = r"-?(?:0|[1-9][0-9]{0,17})"
_VALUE = rf"(?:{_STRING}|{_INTEGER}|true|false)"
_OPERATOR = r"(?:=|!=|<=|>=|<|>|LIKE|MATCHES)"
_COMPARISON = re.compile(rf"({_OBJECT_TYPE}):({_NAME}{_STEP}*) ({_OPERATOR}) ({_VALUE})")
_COMPARISON_JOIN = re.compile(r" (AND|OR) ")
_OBSERVATION_JOIN = re.compile(r"\] (AND|OR|FOLLOWEDBY) \[")
_PARTS = re.compile(rf"\.{_NAME}|\.{_QUOTED_NAME}|\[[^\]]*\]|^{_NAME}")


@lru_cache(maxsize=65536)
def plainly_valid(pattern: str) -> bool:
    """True only if ``stix2-patterns`` (grammar 2.1) accepts ``pattern`` too; False means "ask it"."""
    if not (pattern.startswith("[") and pattern.endswith("]")) or len(pattern) > 4096:
        return False
    return all(_observation_ok(o) for o in _OBSERVATION_JOIN.split(pattern[1:-1])[::2])


def _observation_ok(text: str) -> bool:
    """One observation's comparisons: ``A`` (``AND``|``OR`` ``B``)*, each the plain shape."""
    position = 0
    while True:
        match = _COMPARISON.match(text, position)
        if match is None or not _comparison_ok(match):
            return False
        position = match.end()
        if position == len(text):
            return True
        join = _COMPARISON_JOIN.match(text, position)
        if join is None:
            return False
        position = join.end()


def _comparison_ok(match: re.Match[str]) -> bool:
    path, operator, value = match.group(2), match.group(3), match.group(4)
    parts = _PARTS.findall(path)
    plain = [p.lstrip(".") for p in parts if not p.startswith(("[", ".'"))]
    if any(name.lower() in _KEYWORDS for name in plain):
        return False
    if operator in ("LIKE", "MATCHES") and not value.startswith("'"):
        return False
    if operator in ("<", "<=", ">", ">=") and value in ("true", "false"):
        return False
    if "hashes" in plain:
        return _hash_ok(parts[-1], value)
    return True


def _hash_ok(selector: str, value: str) -> bool:
    """The library's hash rule: a known hash name's value must have that hash's form."""
    if selector.startswith("["):  # an index or [*] as the selector: the library's own reading decides
        return False
    name = selector.lstrip(".").upper().replace("-", "").replace("'", "")
    if name not in HASHES_REGEX:
        return True
    return re.match(HASHES_REGEX[name][0], value.replace("'", "")) is not None
