"""The one clock of the process. Real time, or, for demonstrations and tests, one fixed
instant set by `[clock] fixed = "2026-11-24T10:30:00+00:00"` (or `CG_CLOCK__FIXED`)."""

from __future__ import annotations

import datetime as dt

from policy_core.london import london_day


class Clock:
    def __init__(self, fixed: dt.datetime | None = None) -> None:
        if fixed is not None and fixed.utcoffset() is None:
            raise ValueError("a fixed clock needs a time with a UTC offset")
        self.fixed = None if fixed is None else fixed.astimezone(dt.UTC)

    def __repr__(self) -> str:
        return "Clock(real)" if self.fixed is None else f"Clock(fixed={self.fixed.isoformat()})"

    def now(self) -> dt.datetime:
        """Now, in UTC."""
        return self.fixed if self.fixed is not None else dt.datetime.now(dt.UTC)

    def today(self) -> dt.date:
        """Today's date in London."""
        return london_day(self.now())
