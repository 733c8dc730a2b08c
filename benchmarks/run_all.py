"""Every benchmark in this folder, one after the other (`make bench`). Each runs in its own
interpreter with its default settings and prints its own figures beside its bare baseline.

    .venv/bin/python benchmarks/run_all.py [NAME ...]   # e.g. `dispatch smtp`; default: all
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def benchmarks() -> list[Path]:
    return sorted(p for p in HERE.glob("*.py") if p.name != Path(__file__).name)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help="only these benchmarks")
    chosen = parser.parse_args().names
    found = {p.stem: p for p in benchmarks()}
    unknown = [name for name in chosen if name not in found]
    if unknown:
        parser.error(f"no benchmark {', '.join(unknown)}; there are: {', '.join(found)}")
    failed: list[str] = []
    for name in chosen or list(found):
        print(f"== {name}", flush=True)
        started = time.monotonic()
        code = subprocess.run([sys.executable, str(found[name])], cwd=HERE.parent).returncode
        print(f"== {name}: {'done' if code == 0 else f'failed ({code})'} in "
              f"{time.monotonic() - started:.0f}s\n", flush=True)  # fmt: skip
        if code != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
