"""A policy profile and the organisation's routes, built directly for the policy-core tests."""

from __future__ import annotations

import pytest

from policy_core.models import Routes
from policy_core.profiles import (
    Profile,
    RepeatedComplaintThreshold,
    ScattergunThreshold,
    Thresholds,
    VolumeThresholds,
)

SAFETY_WORDS = (
    "gas leak",
    "smell gas",
    "fire",
    "flood",
    "no heating",
    "carbon monoxide",
    "self-harm",
    "can't breathe",
)
ABUSIVE_WORDS = ("idiot", "scum", "i know where you live")


def make_profile() -> Profile:
    return Profile(
        name="test-policy",
        title="Test policy",
        appeal_request_working_days=20,
        appeal_decision_working_days=20,
        reviewer="a departmental manager",
        thresholds=Thresholds(
            volume=VolumeThresholds(hour=5, day=15, week=40),
            scattergun=ScattergunThreshold(channels=3, window_minutes=120),
            repeated_complaint=RepeatedComplaintThreshold(similarity=90, days=30, min_length=40),
        ),
        safety_words=SAFETY_WORDS,
        abusive_words=ABUSIVE_WORDS,
        protected_destinations=("complaints@*", "dpo@*", "*repairs*"),
        retention_days=2190,
    )


ROUTES = Routes(
    emergency_email="emergency@landlord.example",
    emergency_phone="+441332000999",
    postal_address="Council House, Corporation Street, Derby DE1 2FS",
)


@pytest.fixture(scope="session")
def profile() -> Profile:
    return make_profile()


@pytest.fixture(scope="session")
def routes() -> Routes:
    return ROUTES
