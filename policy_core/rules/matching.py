"""Word lists and destination patterns compiled once per profile.

A word list entry is a word or phrase, matched as whole words, case-insensitively; inside a
phrase any run of spaces or hyphens matches any other ("self harm" finds "self-harm").
Most texts are plain ASCII and mention no listed word, so a cheap check runs first: every
word of a phrase must appear as a whole token of the text. Only when one phrase's rarest
(longest) word is present does the full pattern run."""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from policy_core.profiles import Profile

_SEPARATOR = r"[\s\-]+"
_SPLIT = re.compile(_SEPARATOR)
# ASCII letters lower-cased, digits and "_" kept: everything else becomes a space, so that
# `bytes.split()` yields exactly the text's whole words.
_TOKEN_TABLE = bytes(
    (b | 0x20 if chr(b).isalpha() else b) if chr(b).isalnum() or b == 0x5F else 0x20
    for b in range(128)
) + bytes(range(128, 256))


# Typographic quotes folded to ASCII, so "can’t" in a text finds "can't" in a list.
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"'})


def _lower(text: str) -> str:
    lowered = text.lower()
    return lowered if lowered.isascii() else lowered.translate(_QUOTES)


def _tokens(text: str) -> list[bytes]:
    return text.encode("ascii").translate(_TOKEN_TABLE).split()


class WordList:
    """Finds the entries of one word list in a text."""

    __slots__ = ("_always", "_keys", "_pattern")

    def __init__(self, entries: Iterable[str]) -> None:
        phrases = sorted({_lower(e.strip()) for e in entries if e.strip()}, key=len, reverse=True)
        alternatives = [_SEPARATOR.join(map(re.escape, _SPLIT.split(p))) for p in phrases]
        body = "|".join(alternatives) or r"(?!x)x"
        self._pattern = re.compile(rf"(?<!\w)(?:{body})(?!\w)")
        keys: set[bytes] = set()
        always = False
        for phrase in phrases:
            words = _tokens(phrase) if phrase.isascii() else []
            if words:
                keys.add(max(words, key=len))
            elif any(not c.isascii() for c in phrase):
                continue  # a non-ASCII phrase cannot occur in an ASCII text
            else:
                always = True  # punctuation only: no word to look for first
        self._keys = frozenset(keys)
        self._always = always

    def _may_occur(self, lowered: str) -> bool:
        if not lowered.isascii() or self._always:
            return True
        return not self._keys.isdisjoint(_tokens(lowered))

    def search(self, text: str) -> bool:
        """Whether any entry occurs in `text`."""
        if not text:
            return False
        lowered = _lower(text)
        return self._may_occur(lowered) and self._pattern.search(lowered) is not None

    def found(self, text: str) -> list[str]:
        """Every occurrence of the list's entries in `text`, as the entry (spaces folded)."""
        if not text:
            return []
        lowered = _lower(text)
        if not self._may_occur(lowered):
            return []
        return [_SPLIT.sub(" ", m.group()) for m in self._pattern.finditer(lowered)]


class Destinations:
    """The profile's protected destinations: fnmatch patterns, case-insensitive."""

    __slots__ = ("_pattern",)

    def __init__(self, patterns: Iterable[str]) -> None:
        body = "|".join(fnmatch.translate(p.strip()) for p in patterns if p.strip())
        self._pattern = re.compile(body, re.IGNORECASE) if body else None

    def match(self, destination: str | None) -> bool:
        if not destination or self._pattern is None:
            return False
        return self._pattern.match(destination.strip()) is not None


@dataclass(frozen=True, slots=True)
class Compiled:
    safety: WordList
    abusive: WordList
    protected: Destinations


_CACHE: dict[int, tuple[Profile, Compiled]] = {}


def compiled(profile: Profile) -> Compiled:
    """The profile's word lists and patterns, compiled on first use. Cached by the profile's
    identity: the entry holds the profile, so its id is not reused while cached."""
    entry = _CACHE.get(id(profile))
    if entry is not None and entry[0] is profile:
        return entry[1]
    result = Compiled(
        safety=WordList(profile.safety_words),
        abusive=WordList(profile.abusive_words),
        protected=Destinations(profile.protected_destinations),
    )
    if len(_CACHE) >= 32:
        _CACHE.clear()
    _CACHE[id(profile)] = (profile, result)
    return result
