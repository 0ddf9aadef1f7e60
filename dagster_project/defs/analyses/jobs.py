"""The Python analyses alone, over the marts as they are."""

from __future__ import annotations

import dagster as dg

from dagster_project.defs.publish.assets import PUBLISHED_KEY

analyses_job = dg.define_asset_job(
    "analyses", selection=dg.AssetSelection.groups("analyses")
    | dg.AssetSelection.assets(PUBLISHED_KEY),
    description="Only the Python analyses (Markov and Shapley attribution) over the marts, "
    "then publish them.")
