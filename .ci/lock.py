"""Write requirements.txt: pyproject.toml's runtime dependencies resolved for the Lambda runtime
(python3.12, arm64 wheels), each pinned with its sha256. `make lock` runs it; the layer build installs
exactly this file (--require-hashes)."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORM = ["--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.12"]
HEADER = """\
# What the Lambda functions run, pinned: the dependency layer is built from this file only
# (Makefile build-DependenciesLayer, python3.12 arm64 wheels, --require-hashes).
# The ranges are pyproject.toml's; to move a pin: make lock, then make test.
"""


def main() -> int:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    with tempfile.TemporaryDirectory() as tmp:
        download = [sys.executable, "-m", "pip", "download", "--quiet", "-d", tmp, "--only-binary=:all:"]
        subprocess.run([*download, *PLATFORM, *deps], check=True)  # noqa: S603 - our own pyproject's pins
        pins = []
        for wheel in sorted(Path(tmp).glob("*.whl"), key=lambda p: p.name.lower()):
            name, version = wheel.name.split("-")[:2]
            digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
            pins.append(f"{name.replace('_', '-').lower()}=={version} \\\n    --hash=sha256:{digest}")
    (ROOT / "requirements.txt").write_text(HEADER + "\n" + "\n".join(pins) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
