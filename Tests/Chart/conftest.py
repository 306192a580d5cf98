"""Puts Tests/Chart on sys.path so the tests import render.py and chart_cases.py as modules."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
