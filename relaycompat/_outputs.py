"""The output set: results.json and every report of a run, replaced together or not at all.

A run's outputs are a *folder-level* set, not a fixed list: whatever lands in the staging
folder (results.json, report.md, summary.html, pytest-html's report.html, any file a plugin
adds through ``pytest_relaycompat_outputs``, in subfolders too) is the set. The life of one:

1. :meth:`OutputSet.open` makes sure the report folder can be written (one clear line when
   not) and creates a hidden staging folder inside it, ``.relaycompat-staging-<pid>-<random>``
   (inside, so that every rename is within one file system);
2. writers write into :attr:`OutputSet.staging`; nothing in the report folder changes;
3. :meth:`OutputSet.commit` (with Ctrl-C and SIGTERM held off) moves each staged file into the
   report folder with an atomic rename, removes the files of the previous set that the new one
   does not have, and records the new set in ``.relaycompat-set.json``; or
   :meth:`OutputSet.discard` (an interrupted or failed run) removes the staging folder, and the
   previous set stays whole.

A commit first writes a journal (``.relaycompat-commit.json``) naming the staging folder and the
files; if the process is killed in the middle (``kill -9``, a power cut), the next run that
opens the folder finishes the commit, so the folder never keeps half of two sets for longer
than until the next run. Staging folders of processes that no longer exist are removed then too.
Files of the report folder that no set ever listed are left alone.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ._errors import ConfigError
from ._signals import deferred

STAGING_PREFIX = ".relaycompat-staging-"
MANIFEST = ".relaycompat-set.json"
JOURNAL = ".relaycompat-commit.json"
#: The set of a report folder written before sets were recorded.
LEGACY_SET = ("results.json", "report.md", "report.html", "summary.html")


def write_json(path: Path, document: Any, scrub: Any = None) -> None:
    """Write ``document`` as JSON atomically (a ``.part`` file renamed into place); ``scrub`` (a
    Redactor) gets the final text once more before it lands."""
    text = json.dumps(document, ensure_ascii=False, indent=1)
    if scrub is not None:
        text = scrub.text(text)
    partial = path.with_name(path.name + ".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _files(folder: Path) -> list[str]:
    """Every file below ``folder``, as sorted POSIX paths relative to it."""
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file() or p.is_symlink())


class OutputSet:
    """The outputs of one run (or one ``python -m relaycompat`` command) for one report folder."""

    def __init__(self, report_dir: Path, staging: Path) -> None:
        self.report_dir = report_dir
        self.staging = staging
        #: Files the last commit put in place (relative paths), ``None`` before a commit.
        self.committed: list[str] | None = None

    @classmethod
    def open(cls, report_dir: str | os.PathLike[str], *, flag: str = "--report-dir") -> OutputSet:
        """Check that ``report_dir`` can take a set and start staging one; :class:`ConfigError`
        (one line naming ``flag`` and the folder) when it cannot."""
        folder = Path(report_dir).resolve()
        try:
            if folder.exists() and not folder.is_dir():
                raise ConfigError(f"{flag} {folder}: is a file, not a folder; give a folder for the reports")
            folder.mkdir(parents=True, exist_ok=True)
            recover(folder)
            staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=folder))
        except OSError as exc:
            reason = exc.strerror or str(exc)
            hint = "choose a folder you can write" if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) else "fix it or choose another folder"
            raise ConfigError(f"{flag} {folder}: cannot write the reports there ({reason}); {hint}") from None
        return cls(folder, staging)

    def path(self, name: str) -> Path:
        """Where a writer puts ``name`` (a relative path) of this set."""
        return self.staging / name

    def previous(self) -> list[str]:
        """The files of the set now in place (from its record, else the legacy names present)."""
        try:
            return list(json.loads((self.report_dir / MANIFEST).read_text(encoding="utf-8"))["files"])
        except (OSError, ValueError, KeyError, TypeError):
            return [name for name in LEGACY_SET if (self.report_dir / name).is_file()]

    def commit(self, *, replace_all: bool = True) -> list[str]:
        """Put the staged files in place as one set; return them (relative paths).

        ``replace_all=False`` adds to the set in place instead (re-rendered reports beside the
        results.json they come from): no file of the previous set is removed.
        """
        files = _files(self.staging)
        previous = self.previous()
        keep = [] if replace_all else [name for name in previous if name not in files]
        journal = {"staging": self.staging.name, "files": files, "remove": [n for n in previous if n not in files and n not in keep],
                   "set": sorted({*files, *keep})}
        with deferred():
            write_json(self.report_dir / JOURNAL, journal)
            _finish(self.report_dir, journal)
        self.committed = files
        return files

    def discard(self) -> None:
        """Drop what was staged; the set in place stays as it is."""
        shutil.rmtree(self.staging, ignore_errors=True)


def _finish(folder: Path, journal: dict[str, Any]) -> None:
    """Carry out a commit's journal (again, after a crash: every step may already be done)."""
    staging = folder / str(journal["staging"])
    for name in journal["files"]:
        source = staging / name
        if source.exists() or source.is_symlink():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            os.replace(source, folder / name)
    for name in journal["remove"]:
        target = folder / name
        if target.is_file() or target.is_symlink():
            target.unlink()
        _prune_empty(folder, target.parent)
    write_json(folder / MANIFEST, {"files": journal["set"]})
    (folder / JOURNAL).unlink(missing_ok=True)
    shutil.rmtree(staging, ignore_errors=True)


def _prune_empty(folder: Path, directory: Path) -> None:
    """Remove ``directory`` and its parents up to ``folder`` while they are empty."""
    while directory != folder and folder in directory.parents:
        try:
            directory.rmdir()
        except OSError:
            return
        directory = directory.parent


def recover(folder: Path) -> None:
    """Finish a commit a killed process left half done; remove the staging folders of processes
    that no longer exist."""
    journal_path = folder / JOURNAL
    if journal_path.is_file():
        try:
            journal = json.loads(journal_path.read_text(encoding="utf-8"))
            _finish(folder, journal)
        except (ValueError, KeyError, TypeError):  # a journal cut short: the commit never started
            journal_path.unlink(missing_ok=True)
    for staging in folder.glob(f"{STAGING_PREFIX}*"):
        pid = staging.name.removeprefix(STAGING_PREFIX).split("-", 1)[0]
        if staging.is_dir() and pid.isdigit() and not _pid_alive(int(pid)):
            shutil.rmtree(staging, ignore_errors=True)

