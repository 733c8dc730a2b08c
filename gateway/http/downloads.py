"""One Content-Disposition for every file the gateway sends: an ASCII `filename` every client
reads, and the exact name in RFC 5987 / RFC 6266 `filename*` (a case id may be `K-漢`, which
a plain header cannot carry)."""

from __future__ import annotations

import re
import urllib.parse
from typing import Literal

# What may stand as it is inside the quoted ASCII fallback; anything else becomes "_".
_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+,=@-]")
# RFC 5987 attr-char, less nothing: the rest is percent-encoded from UTF-8.
_ATTR_CHARS = "!#$&+-.^_`|~"


def content_disposition(
    filename: str, disposition: Literal["attachment", "inline"] = "attachment"
) -> str:
    """`attachment; filename="K-_.pdf"; filename*=UTF-8''K-%E6%BC%A2.pdf`."""
    fallback = _UNSAFE.sub("_", filename) or "download"
    exact = urllib.parse.quote(filename, safe=_ATTR_CHARS)
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{exact}"
