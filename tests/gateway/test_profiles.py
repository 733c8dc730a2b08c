"""Policy profiles as a landlord edits them: both shipped versions load, and a mistake in a
profile is reported with the file and the key to fix."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from gateway.profiles import CONFIG_DIR, known_profiles, load_profile
from policy_core.profiles import ProfileError


def test_both_shipped_profiles_load_and_differ_only_in_their_numbers_and_reviewer() -> None:
    assert {"derby-homes-2020", "derby-homes-vexatious"} <= set(known_profiles())
    current = load_profile("derby-homes-2020")
    earlier = load_profile("derby-homes-vexatious")
    assert current.title == "Restricted Contact Policy (Derby Homes, November 2020)"
    assert (current.appeal_request_working_days, current.appeal_decision_working_days) == (20, 20)
    assert (earlier.appeal_request_working_days, earlier.appeal_decision_working_days) == (15, 30)
    assert current.reviewer == "a departmental manager appointed by the Head of Service"
    assert earlier.reviewer == "the Head of Service"
    assert current.safety_words and current.safety_words == earlier.safety_words
    assert all(w == w.strip().lower() and not w.startswith("#") for w in current.safety_words)
    assert "complaints@*" in current.protected_destinations
    assert (current.bank_holiday_country, current.bank_holiday_region) == ("GB", "ENG")
    assert current.restriction_months == 12
    differing = {
        key for key, value in current.model_dump().items() if earlier.model_dump()[key] != value
    }
    assert differing == {
        "name",
        "title",
        "appeal_request_working_days",
        "appeal_decision_working_days",
        "reviewer",
    }


@pytest.fixture
def config(tmp_path: Path) -> Path:
    copy = tmp_path / "config"
    shutil.copytree(CONFIG_DIR / "policies", copy / "policies")
    shutil.copytree(CONFIG_DIR / "words", copy / "words")
    return copy


def edit(config: Path, old: str, new: str) -> Path:
    path = config / "policies" / "derby-homes-2020.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    return path


def test_the_word_lists_are_read_from_the_words_folder(config: Path) -> None:
    (config / "words" / "safety.txt").write_text("# emergencies\nGas Leak\n\n  flood  \n")
    profile = load_profile("derby-homes-2020", config)
    assert profile.safety_words == ("gas leak", "flood")


@pytest.mark.parametrize(
    ("old", "new", "key"),
    [
        ("retention_days = 2190", "retention_days = 2190\nretension_days = 30", "retension_days"),
        ("appeal_request_working_days = 20", "appeal_request_working_days = 0",
         "appeal_request_working_days"),
        ("appeal_decision_working_days = 20", 'appeal_decision_working_days = "twenty"',
         "appeal_decision_working_days"),
        ("hour = 5", "hour = 50", "thresholds.volume"),
        ("window_minutes = 120", "window_minutes = 120\nwindow_hours = 2",
         "thresholds.scattergun.window_hours"),
        ('bank_holiday_region = "ENG"', 'bank_holiday_region = "Yorkshire"',
         "bank_holiday_region"),
        ('safety_words = "file:safety.txt"', "safety_words = []", "safety_words"),
    ],
)  # fmt: skip
def test_a_bad_key_or_value_names_the_file_and_the_key(
    config: Path, old: str, new: str, key: str
) -> None:
    path = edit(config, old, new)
    with pytest.raises(ProfileError) as caught:
        load_profile("derby-homes-2020", config)
    assert str(caught.value).startswith(f"{path}: {key}: ")


def test_every_problem_is_listed_and_an_unknown_key_is_called_one(config: Path) -> None:
    path = edit(config, "min_length = 40", "min_length = -1\nsimilarty = 90")
    with pytest.raises(ProfileError) as caught:
        load_profile("derby-homes-2020", config)
    assert str(caught.value) == (
        f"{path}: thresholds.repeated_complaint.min_length: Input should be greater than or "
        "equal to 0; thresholds.repeated_complaint.similarty: unknown key"
    )


def test_an_unknown_region_lists_the_known_ones(config: Path) -> None:
    edit(config, 'bank_holiday_region = "ENG"', 'bank_holiday_region = "Yorkshire"')
    with pytest.raises(ProfileError, match="known: ENG, NIR, SCT, WLS"):
        load_profile("derby-homes-2020", config)


def test_scotland_is_a_valid_region(config: Path) -> None:
    edit(config, 'bank_holiday_region = "ENG"', 'bank_holiday_region = "SCT"')
    assert load_profile("derby-homes-2020", config).bank_holiday_region == "SCT"


def test_a_missing_word_list_names_the_file_and_key(config: Path) -> None:
    path = edit(config, '"file:abusive.txt"', '"file:rude.txt"')
    with pytest.raises(ProfileError) as caught:
        load_profile("derby-homes-2020", config)
    assert str(caught.value).startswith(f"{path}: abusive_words: no word list file 'rude.txt'")


def test_a_word_list_outside_the_words_folder_is_refused(config: Path) -> None:
    path = edit(config, '"file:abusive.txt"', '"file:../policies/derby-homes-2020.toml"')
    with pytest.raises(
        ProfileError, match=re.escape(f"{path}: abusive_words: ") + ".* is not a file name"
    ):
        load_profile("derby-homes-2020", config)


def test_broken_toml_names_the_file(config: Path) -> None:
    path = edit(config, "hour = 5", "hour = ")
    with pytest.raises(ProfileError, match=re.escape(f"{path}: not valid TOML")):
        load_profile("derby-homes-2020", config)


def test_an_unknown_profile_name_lists_the_known_ones(config: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("derby-homes-2030", config)
    assert str(caught.value) == (
        "no policy profile named 'derby-homes-2030'; "
        "known profiles: derby-homes-2020, derby-homes-vexatious"
    )


def test_a_profile_can_be_given_by_path(config: Path, tmp_path: Path) -> None:
    own = tmp_path / "landlord" / "policies" / "our-policy.toml"
    own.parent.mkdir(parents=True)
    text = (config / "policies" / "derby-homes-2020.toml").read_text()
    own.write_text(text.replace('name = "derby-homes-2020"', 'name = "our-policy"'))
    profile = load_profile(own, config)  # word lists fall back to the config folder's
    assert profile.name == "our-policy" and profile.safety_words
    assert load_profile(str(own), config) == profile
    with pytest.raises(ProfileError, match="no such profile file"):
        load_profile(tmp_path / "missing.toml", config)


def test_the_name_inside_must_match_the_file_name(config: Path) -> None:
    path = edit(config, 'name = "derby-homes-2020"', 'name = "derby-homes-2021"')
    with pytest.raises(ProfileError, match=re.escape(f"{path}: name: 'derby-homes-2021' differs")):
        load_profile("derby-homes-2020", config)
