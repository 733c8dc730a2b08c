"""Loads a policy profile at start-up: config/policies/NAME.toml plus the word lists in
config/words/ that it names as `file:NAME`. Plain file reading, once, before serving."""

from __future__ import annotations

import tomllib
from pathlib import Path

from policy_core.profiles import Profile, ProfileError, parse_profile, word_file_names

CONFIG_DIR = Path(__file__).resolve().parent.parent / "config"


def known_profiles(config_dir: Path = CONFIG_DIR) -> list[str]:
    """The names of the profiles shipped in `config_dir`/policies."""
    return sorted(p.stem for p in (config_dir / "policies").glob("*.toml"))


def profile_path(name_or_path: str | Path, config_dir: Path = CONFIG_DIR) -> Path:
    """A profile name (`derby-homes-2020`) is looked up in `config_dir`/policies; anything
    that looks like a path (a Path, a `/`, or a `.toml` ending) is taken as it is."""
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or "/" in text or text.endswith(".toml"):
        path = Path(name_or_path)
        if not path.is_file():
            raise ProfileError(f"{path}: no such profile file")
        return path
    path = config_dir / "policies" / f"{text}.toml"
    if not path.is_file():
        known = ", ".join(known_profiles(config_dir)) or "none"
        raise ProfileError(f"no policy profile named {text!r}; known profiles: {known}")
    return path


def _read(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ProfileError(f"{what}: cannot read {path}: {exc}") from exc


def _word_files(path: Path, text: str, config_dir: Path) -> dict[str, str]:
    """The texts of the word lists the profile names. A list is looked for in the `words`
    folder beside the profile's folder, then in `config_dir`/words."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return {}  # parse_profile reports it, naming the file
    found: dict[str, str] = {}
    for key, name in word_file_names(data).items():
        if not name or Path(name).name != name:
            raise ProfileError(f"{path}: {key}: {name!r} is not a file name in config/words/")
        folders = dict.fromkeys((path.parent.parent / "words", config_dir / "words"))
        candidates = [folder / name for folder in folders if (folder / name).is_file()]
        if not candidates:
            raise ProfileError(f"{path}: {key}: no word list file {name!r} in config/words/")
        found[name] = _read(candidates[0], f"{path}: {key}")
    return found


def load_profile(name_or_path: str | Path, config_dir: Path = CONFIG_DIR) -> Profile:
    """The profile by name or path; a ProfileError names the file and the key at fault."""
    path = profile_path(name_or_path, config_dir)
    text = _read(path, str(path))
    profile = parse_profile(text, source=str(path), word_files=_word_files(path, text, config_dir))
    if profile.name != path.stem:
        raise ProfileError(f"{path}: name: {profile.name!r} differs from the file's name")
    return profile
