"""Make the helpers in this folder importable (the scripted backend is named by import path)."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
