"""Where things are: the checkout, the venv's executables, the shared test data."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TESTDATA = ROOT.parent / "shared" / "testdata"
PHOTOS = TESTDATA / "photos"
