"""What every test shares."""

from __future__ import annotations

from hypothesis import settings

# No per-example deadline: on a loaded 2-core machine an example can take longer than
# Hypothesis's default 200 ms without anything being wrong; each test bounds its examples.
settings.register_profile("suite", deadline=None)
settings.load_profile("suite")
