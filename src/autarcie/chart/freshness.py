"""'Données arrêtées au …', as the chart's readers (viewer, kits, satellites) import it.

The computation lives in ``autarcie.mirror.freshness`` so that the care screens, which may not
import the chart, show the same line.
"""

from __future__ import annotations

from autarcie.mirror.freshness import data_as_of, state_and_data_as_of

__all__ = ["data_as_of", "state_and_data_as_of"]
