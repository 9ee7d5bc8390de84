"""Where things are in the repository, for tests in any sub-folder of ``tests/``."""

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "tests" / "data"
