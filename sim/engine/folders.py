"""Where results go: checked before running, written atomically, never outside `--out`.

Every folder sim writes (a run's, a comparison's, a sweep's) is filled under a
hidden temporary name in its final parent and renamed into place in one step,
so a folder that exists is complete. Rules, each for a failure seen in use:

- `check_out` refuses, before anything runs, an `--out` that is a file, cannot
  be created or written (read-only, /proc) or lacks the space the results need
  at the least (exit code 2 at the command line);
- names taken from scenarios, sweep files and options are single folder names
  (`check_name`), and a folder whose real path leaves `--out` (a symbolic link)
  is refused, so nothing is written outside `--out`;
- temporary files and folders are created with O_EXCL under fresh names
  (`create_file`, `fresh_dir`), never through an existing path or link;
- the final rename never replaces a finished folder: two runs racing for one
  name both keep their results, the second under `<name>-2`;
- temporary names carry the owner's pid and host (`.tmp-<pid>_<host>_...`,
  `.sim-spool-<pid>_<host>_...`), so debris of a killed process is recognised
  and removed (`clean_debris`) the next time sim writes into that `--out`;
- `save_or_rescue`: when writing fails late (a disk fills up), the results,
  still in memory, are written to a rescue folder and the error says where.
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import secrets
import shutil
import socket
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from sim.errors import ScenarioError
from sim.scenario.params import name_problem

TMP, SPOOL = ".tmp-", ".sim-spool-"
_HOST = re.sub(r"[^A-Za-z0-9.-]", "-", socket.gethostname()) or "localhost"
_OWNED = re.compile(r"^(?:\.tmp-|\.sim-spool-)(\d+)_([A-Za-z0-9.-]+)_")
_TAKEN = (errno.EEXIST, errno.ENOTEMPTY)
#: Bytes of the smallest possible row of replications.csv (about 40 cells of 2+ characters).
CSV_ROW_BYTES = 80


class SaveError(Exception):
    """Results could not be written where asked; the message says where they are instead.

    `kept` is a complete temporary folder left in place, if any.
    """

    def __init__(self, message: str, kept: Path | None = None):
        super().__init__(message)
        self.kept = kept


def owner_tag(prefix: str) -> str:
    """The start of a temporary name owned by this process: `<prefix><pid>_<host>_`."""
    return f"{prefix}{os.getpid()}_{_HOST}_"


# --------------------------------------------------------------------------- names and places


def overrides_mark(*overrides: list[str]) -> str:
    """`-set3f2a`, a short hash of the overrides (`PATH=VALUE` lists) a run was made with,
    for its folder's name; "" without any. Runs with different `--set` land in folders told
    apart at a glance; the overrides themselves are in the folder's provenance."""
    if not any(overrides):
        return ""
    text = "\n\n".join("\n".join(given) for given in overrides)
    return "-set" + hashlib.sha256(text.encode()).hexdigest()[:4]


def check_name(name: str, what: str, file: str | None = None) -> str:
    """Refuse a name that is not one plain folder name (`..`, `a/b`, `/abs`, `.hidden`)."""
    problem = name_problem(name, longest=200)
    if problem:
        raise ScenarioError.single(f"{what} {problem}; results must stay inside --out", file=file)
    return name


def check_inside(out: Path, folder: Path) -> None:
    """Refuse a folder whose real path (links followed) is not inside `out`'s."""
    root, real = Path(out).resolve(), Path(folder).resolve()
    if real != root and root not in real.parents:
        raise ScenarioError.single(
            f"leads to {real}, outside --out {out} (a symbolic link?); "
            "sim writes only inside --out",
            file=str(folder),
            hint="remove the link, or give --out the folder you mean",
        )


def check_out(out: Path, need_bytes: int = 0, option: str = "--out") -> None:
    """Before anything runs: `out` exists or is created, is writable, and has room.

    Raises ScenarioError naming `option`. Also removes debris of killed runs.
    """
    out = Path(out)
    where = {"file": option}
    if out.exists() and not out.is_dir():
        raise ScenarioError.single(
            f"{out} is a file, not a folder", **where, hint="give a folder for the results"
        )
    try:
        out.mkdir(parents=True, exist_ok=True)
        fd, probe = create_file(out, owner_tag(TMP), ".probe")
        try:
            os.write(fd, b"sim can write here\n")
            os.fsync(fd)
        finally:
            os.close(fd)
            probe.unlink()
    except OSError as exc:
        raise ScenarioError.single(
            f"cannot write results in {out}: {exc.strerror or exc}",
            **where,
            hint="give --out a folder you can write to",
        ) from None
    free = shutil.disk_usage(out).free
    if free < need_bytes:
        raise ScenarioError.single(
            f"{out} has {_size(free)} free, but the results need at least {_size(need_bytes)}",
            **where,
            hint="free some space, or give --out a folder on another disk",
        )
    clean_debris(out)


def _size(n: float) -> str:
    for unit in ("bytes", "KB", "MB"):
        if n < 1024:
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} GB"


def create_file(folder: Path, prefix: str, suffix: str = "") -> tuple[int, Path]:
    """A new file under a fresh name (O_CREAT | O_EXCL, never through a link): (fd, path)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    while True:
        path = Path(folder) / f"{prefix}{secrets.token_hex(4)}{suffix}"
        try:
            return os.open(path, flags, 0o666), path
        except FileExistsError:
            continue


def fresh_dir(parent: Path, prefix: str) -> Path:
    """A new, empty folder under a fresh name (mkdir fails on anything that exists)."""
    while True:
        path = Path(parent) / f"{prefix}{secrets.token_hex(4)}"
        try:
            path.mkdir()
            return path
        except FileExistsError:
            continue


# --------------------------------------------------------------------------- debris


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _debris(folder: Path) -> Iterator[Path]:
    with suppress(OSError), os.scandir(folder) as entries:
        for entry in entries:
            match = _OWNED.match(entry.name)
            if match and match[2] == _HOST and not _alive(int(match[1])):
                yield Path(entry.path)


def clean_debris(out: Path) -> int:
    """Remove temporary folders, spools and files left in `out` by killed sim processes.

    Only this host's, whose process is gone; looks where sim writes them (`out`,
    `out/<scenario>`, `out/compare`, `out/sweeps/<name>` and its `points`), never
    through links. Returns how many were removed.
    """
    out = Path(out)
    places = [out]
    for depth in ("*", "sweeps/*", "sweeps/*/points"):
        places += [p for p in out.glob(depth) if p.is_dir() and not p.is_symlink()]
    return sum(_remove_debris(place) for place in places)


def _remove_debris(place: Path, files: bool = True) -> int:
    """Remove the debris of killed sim processes in `place` (`_debris`); how many went.

    `files=False`: only folders (`atomic_folder`: `shutil.rmtree`, which leaves
    a file or a link where it is).
    """
    removed = 0
    for path in list(_debris(place)):
        if not files or (path.is_dir() and not path.is_symlink()):
            shutil.rmtree(path, ignore_errors=True)
        else:
            with suppress(OSError):
                path.unlink()
        removed += not path.exists()
    return removed


# --------------------------------------------------------------------------- atomic folders


def check_within(out: Path, *parts: str) -> Path:
    """Check `out/<parts...>` without creating anything: plain names, no link leading out.

    For checks before a run: a place the results could not be written to is
    refused before the computation, not after it.
    """
    folder = Path(out)
    for part in parts:
        folder = folder / check_name(part, "folder name")
        if os.path.lexists(folder):
            check_inside(out, folder)
    return folder


def make_inside(out: Path, *parts: str) -> Path:
    """`out/<parts...>`, created folder by folder; each must be a plain name inside `out`.

    Checked before each level is created, so a link planted on the way (to
    /etc, say) is refused before anything is made through it.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    folder = out
    for part in parts:
        folder = folder / check_name(part, "folder name")
        if os.path.lexists(folder):
            check_inside(out, folder)
        folder.mkdir(exist_ok=True)
        check_inside(out, folder)
    return folder


class Pending:
    """A folder being written: `tmp` while it is filled, then `final` once published."""

    def __init__(self, tmp: Path, final: Path):
        self.tmp, self.final = tmp, final


@contextmanager
def atomic_folder(out: Path, *parts: str, replace: bool = False) -> Iterator[Pending]:
    """Yield a `Pending` for `out/<parts...>`; publish it when the block completes.

    Fill `pending.tmp`; `pending.final` is the name it will get (a `-2`, `-3`,
    ... suffix if taken or being written by another run, so nothing is
    overwritten; with `replace`, an existing folder of that name is replaced in
    one step instead: a rerun of a sweep). After the block, `pending.final` is
    where it is. If the block raises, the temporary folder is removed; if the
    rename fails for another reason than a taken name, it is kept and
    `SaveError` says where.
    """
    parent = make_inside(out, *parts[:-1])
    name = check_name(parts[-1], "folder name")
    _remove_debris(parent, files=False)
    final = parent / name if replace else _free_name(parent, name)
    pending = Pending(fresh_dir(parent, f"{owner_tag(TMP)}{final.name}."), final)
    try:
        yield pending
    except BaseException:
        shutil.rmtree(pending.tmp, ignore_errors=True)
        raise
    pending.final = _publish(pending.tmp, final, replace)


def _claimed(parent: Path, name: str) -> bool:
    """Whether a sim process is writing `name` now (its temporary folder says so)."""
    with suppress(OSError), os.scandir(parent) as entries:
        for entry in entries:
            match = _OWNED.match(entry.name)
            if match and entry.name[match.end() :].rpartition(".")[0] == name:
                return True
    return False


def _free_name(parent: Path, name: str) -> Path:
    candidate, n = parent / name, 2
    while os.path.lexists(candidate) or _claimed(parent, candidate.name):
        candidate, n = parent / f"{name}-{n}", n + 1
    return candidate


def _publish(tmp: Path, final: Path, replace: bool) -> Path:
    """Rename `tmp` to `final` (or the next free name); a finished folder is never lost.

    A rename onto a folder that is not empty fails (EEXIST/ENOTEMPTY), so two
    runs racing for one name cannot replace each other: the loser moves on.
    """
    name, n = final.name, 2
    for _ in range(10_000):
        try:
            os.rename(tmp, final)
            return final
        except OSError as exc:
            if exc.errno not in _TAKEN:
                raise SaveError(
                    f"the results are complete in {tmp} but could not be renamed to "
                    f"{final.name}: {exc.strerror or exc}",
                    kept=tmp,
                ) from None
        if replace:
            old = final.parent / f"{owner_tag(TMP)}old.{secrets.token_hex(4)}"
            with suppress(FileNotFoundError):
                os.rename(final, old)
                shutil.rmtree(old, ignore_errors=True)
        else:
            final, n = final.parent / f"{name}-{n}", n + 1
    raise SaveError(f"no free folder name for {tmp}", kept=tmp)


# --------------------------------------------------------------------------- late failures


def save_or_rescue(write: Callable[[Path], Path], out: Path, what: str) -> Path:
    """`write(out)`; if that fails late (disk full, unmounted), `write` into a rescue folder.

    The results are still in memory, so they are written again under the
    system's temporary folder (then the home folder); `SaveError` then says
    where they are and how to move them into `out`. Nothing is silently lost.
    """
    out = Path(out)
    try:
        return write(out)
    except (OSError, SaveError, ScenarioError) as exc:  # ScenarioError: a link planted meanwhile
        failure = exc
    reason = failure.strerror if isinstance(failure, OSError) and failure.strerror else failure
    where = f"{getattr(failure, 'filename', None) or out}"
    head = f"could not write {what} in --out {out} ({where}: {reason})"
    kept = getattr(failure, "kept", None)
    home = os.path.expanduser("~")
    for root in (tempfile.gettempdir(), *([home] if home != "~" else [])):
        rescue = None
        try:
            rescue = Path(tempfile.mkdtemp(prefix="sim-rescued-", dir=root))
            folder = write(rescue)
        except (OSError, SaveError, ScenarioError):
            if rescue is not None:
                shutil.rmtree(rescue, ignore_errors=True)
            continue
        if kept is not None:
            shutil.rmtree(kept, ignore_errors=True)
        target = out / folder.relative_to(rescue).parent
        raise SaveError(
            f"{head}.\nNothing is lost: {what} was written to {folder} instead. "
            f"Move it into place when there is room: mv '{folder}' '{target}/'"
        )
    if kept is not None:
        raise SaveError(
            f"{head}.\nThe complete folder is {kept}; move it now, before sim writes into "
            f"{out} again (temporary folders of finished processes are removed)."
        )
    raise SaveError(f"{head}, nor in a temporary folder: {what} could not be saved.")
