"""Hypothesis profiles for the landing fuzz suite.

`ci` (the default, what `make test` runs): few examples per table and format, the same
ones every run (derandomized), within the suite's minute. `long`: thousands of cases in
all, random; run it with `HYPOTHESIS_PROFILE=long .venv/bin/python -m pytest tests/fuzz`.
No example database is written into the repository.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

_COMMON = dict(deadline=None, database=None, print_blob=True,
               suppress_health_check=[HealthCheck.function_scoped_fixture,
                                      HealthCheck.too_slow, HealthCheck.data_too_large,
                                      HealthCheck.large_base_example])
settings.register_profile("ci", max_examples=6, derandomize=True, **_COMMON)
settings.register_profile("long", max_examples=150, derandomize=False, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
