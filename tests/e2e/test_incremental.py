"""Incremental counting: access logs arriving over several runs (a first build in bounded
passes, then new days and a late file for an earlier day) count exactly what the whole
world counts at once - the ground truth - and a rerun with nothing new rewrites nothing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ingest.settings import Settings
from tests.conftest import fresh_postgres_database, requires_postgres
from tests.e2e.conftest import materialise, open_warehouse
from tests.e2e.test_counting import _check_exclusions, _counted, _truth

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("e2e")]

STAMPS = """
    select
        (select max(_processed_at) from intermediate.int_requests_filtered),
        (select max(_processed_at) from intermediate.int_downloads_windowed)
"""


def _staged_landing(world: Path, dest: Path) -> tuple[Path, list[Path]]:
    """A copy of the world's landing folder without its last two days of access logs and
    one file of the day before them (arriving late); returns it and the held-back files."""
    landing = dest / "landing"
    shutil.copytree(world / "landing", landing, symlinks=True)
    logs = sorted((landing / "access_logs").iterdir())
    days = sorted({f.name[:10] for f in logs})
    held = [f for f in logs if f.name[:10] in days[-2:]]
    late_day = [f for f in logs if f.name[:10] == days[-3]]
    held.append(late_day[-1])
    spool = dest / "held"
    spool.mkdir()
    for f in held:
        f.rename(spool / f.name)
    return landing, sorted(spool.iterdir())


def _requests(world: Path) -> int:
    files = json.loads((world / "world.json").read_text())["files"]
    return sum(n for name, n in files.items() if "access_logs" in name)


def _stamps(settings: Settings) -> tuple:
    wh = open_warehouse(settings)
    try:
        return tuple(wh.fetchall(STAMPS)[0])
    finally:
        wh.close()


def _check_incremental(settings: Settings, world: Path, landing: Path, held: list[Path]) -> None:
    # first build in about four passes of at most a quarter of the requests each
    batch = str(_requests(world) // 4)
    materialise(settings, PODWH_COUNTING_BATCH_REQUESTS=batch)
    for f in held:  # two new days and a late file for an earlier, still open, day
        shutil.move(f, landing / "access_logs" / f.name)
    materialise(settings, PODWH_COUNTING_BATCH_REQUESTS=batch)
    counted, truth = _counted(settings), _truth(world, "first_touch")
    assert counted["downloads"].sum() == truth["downloads"].sum()
    assert counted.reset_index(drop=True).equals(truth.reset_index(drop=True))
    _check_exclusions(settings, world)

    stamps = _stamps(settings)
    materialise(settings)  # nothing new: nothing is rebuilt
    assert _stamps(settings) == stamps
    assert counted.reset_index(drop=True).equals(_counted(settings).reset_index(drop=True))


def test_duckdb_incremental_runs_count_the_whole_world(world: Path, tmp_path: Path):
    landing, held = _staged_landing(world, tmp_path)
    settings = Settings(warehouse="duckdb", duckdb_path=tmp_path / "w.duckdb",
                        landing_dir=landing)
    _check_incremental(settings, world, landing, held)


@requires_postgres
@pytest.mark.postgres
def test_postgres_incremental_runs_count_the_whole_world(world: Path, tmp_path: Path):
    landing, held = _staged_landing(world, tmp_path)
    with fresh_postgres_database() as pg:
        settings = Settings(warehouse="postgres", postgres=pg, landing_dir=landing)
        _check_incremental(settings, world, landing, held)
