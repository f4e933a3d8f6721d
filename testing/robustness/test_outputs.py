"""The output set: results.json and its reports are replaced together, or not at all (relaycompat/_outputs.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from relaycompat._errors import ConfigError
from relaycompat._outputs import JOURNAL, MANIFEST, STAGING_PREFIX, OutputSet, recover


def _stage(outputs: OutputSet, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = outputs.path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def _staged(folder: Path, files: dict[str, str], *, commit: bool = False) -> OutputSet:
    """A new set for ``folder`` holding ``files`` (committed if asked)."""
    outputs = OutputSet.open(folder)
    _stage(outputs, files)
    if commit:
        outputs.commit()
    return outputs


def _live(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): p.read_text(encoding="utf-8") for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).parts[0].startswith(".relaycompat")}


def test_a_commit_replaces_the_whole_previous_set_and_nothing_else(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    first = OutputSet.open(folder)
    _stage(first, {"results.json": "1", "report.md": "1", "report.html": "1", "sites/a.md": "1", "sites/b.md": "1"})
    assert _live(folder) == {}  # nothing lands before the commit
    first.commit()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")  # not the suite's: never touched
    second = OutputSet.open(folder)
    _stage(second, {"results.json": "2", "report.md": "2", "sites/a.md": "2"})
    assert second.commit() == ["report.md", "results.json", "sites/a.md"]
    assert _live(folder) == {"notes.txt": "mine", "report.md": "2", "results.json": "2", "sites/a.md": "2"}
    assert json.loads((folder / MANIFEST).read_text(encoding="utf-8")) == {"files": ["report.md", "results.json", "sites/a.md"]}
    assert not list(folder.glob(f"{STAGING_PREFIX}*")) and not (folder / JOURNAL).exists()


def test_a_folder_from_before_sets_were_recorded_loses_its_stale_report(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in ("results.json", "report.md", "report.html", "summary.html"):
        (folder / name).write_text("old", encoding="utf-8")
    outputs = OutputSet.open(folder)
    _stage(outputs, {"results.json": "new", "report.md": "new", "summary.html": "new"})  # run without pytest-html
    outputs.commit()
    assert _live(folder) == {"report.md": "new", "results.json": "new", "summary.html": "new"}


def test_discarding_keeps_the_previous_set_whole(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    _staged(folder, {"results.json": "1", "report.md": "1"}, commit=True)
    _staged(folder, {"results.json": "2"}).discard()
    assert _live(folder) == {"report.md": "1", "results.json": "1"}
    assert not list(folder.glob(f"{STAGING_PREFIX}*"))


def test_adding_to_a_set_keeps_its_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    _staged(folder, {"results.json": "1", "report.md": "1", "report.html": "1"}, commit=True)
    _staged(folder, {"report.md": "en"}).commit(replace_all=False)
    assert _live(folder) == {"report.html": "1", "report.md": "en", "results.json": "1"}
    assert json.loads((folder / MANIFEST).read_text(encoding="utf-8"))["files"] == ["report.html", "report.md", "results.json"]


def test_a_commit_killed_half_way_is_finished_by_the_next_run(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    _staged(folder, {"results.json": "1", "report.md": "1", "old.md": "1"}, commit=True)
    second = _staged(folder, {"results.json": "2", "report.md": "2"})
    # as if killed after the journal and the first rename
    journal = {"staging": second.staging.name, "files": ["report.md", "results.json"], "remove": ["old.md"],
               "set": ["report.md", "results.json"]}
    (folder / JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
    os.replace(second.path("report.md"), folder / "report.md")
    assert _live(folder) == {"old.md": "1", "report.md": "2", "results.json": "1"}  # half of each
    recover(folder)
    assert _live(folder) == {"report.md": "2", "results.json": "2"}
    assert not (folder / JOURNAL).exists() and not second.staging.exists()


def test_staging_folders_of_dead_processes_are_removed(tmp_path: Path) -> None:
    folder = tmp_path / "reports"
    folder.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    stale = folder / f"{STAGING_PREFIX}{dead.stdout.strip()}-abc"
    stale.mkdir()
    live = folder / f"{STAGING_PREFIX}{os.getpid()}-abc"
    live.mkdir()
    OutputSet.open(folder).discard()
    assert not stale.exists() and live.exists()


def _writable(folder: Path) -> bool:
    try:
        folder.mkdir()
    except OSError:
        return False
    folder.rmdir()
    return True


@pytest.mark.parametrize("where", ["file", "under-a-file", "unwritable"])
def test_a_folder_that_cannot_take_the_outputs_is_one_line(tmp_path: Path, where: str) -> None:
    """Issue #13 (3): the whole run, then a 70-line traceback (or INTERNALERROR), and the results lost."""
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    folder = {"file": tmp_path / "a-file", "under-a-file": tmp_path / "a-file" / "reports",
              "unwritable": Path("/sys/relaycompat-reports")}[where]
    if where == "unwritable" and _writable(folder):
        pytest.skip(f"{folder} can be created here")
    with pytest.raises(ConfigError) as caught:
        OutputSet.open(folder)
    (line,) = caught.value.problems
    assert line.startswith(f"--report-dir {folder}: ") and "\n" not in line
    assert ("is a file" in line) if where == "file" else ("cannot write the reports there" in line)
