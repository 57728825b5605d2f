"""Where things are in the checkout, for the deployment's modules (no local-development import).

The stacks, `make synth` and `make deploy` read these; the local stack's engines
(infra/engines.py) have their own.
"""

from __future__ import annotations

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
BUILD = PROJECT_ROOT / "build"  # git-ignored: everything generated
