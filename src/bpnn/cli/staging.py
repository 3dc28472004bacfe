"""Outputs that cannot destroy: every file and folder a run writes is first written under a temporary name next to
where it goes, and renamed into place only when all of them were written; a failure removes the temporary ones
and leaves what was there before. A file system refusal is one line naming the option, the user's path and the
fix, never a hidden temporary name."""

from __future__ import annotations

import errno
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bpnn.cli._common import UsageError

REASONS = {  # errno -> what happened and the fix
    errno.ENOSPC: "the disk is full; free some space or write elsewhere",
    errno.EDQUOT: "the disk quota is used up; free some space or write elsewhere",
    errno.EROFS: "the file system is read-only; write elsewhere",
    errno.EACCES: "permission denied; write elsewhere or change the folder's permissions",
    errno.EPERM: "permission denied; write elsewhere or change the folder's permissions",
    errno.ENOENT: "its folder does not exist; create it or write elsewhere",
    errno.ENAMETOOLONG: "the name is too long; give a shorter one",
    errno.EISDIR: "it is a folder; give a file name",
}


def refusal(option: str, path: str | Path, error: OSError) -> UsageError:
    """The one-line error of an output the file system refused."""
    reason = REASONS.get(error.errno, error.strerror or str(error))
    return UsageError(f"cannot write {option} {path}: {reason}")


class Staged:
    """Temporary paths for a run's outputs (by option), renamed into place by :meth:`commit`."""

    def __init__(self, files: dict, folders: dict) -> None:
        self.final: dict[str, Path] = {}
        self.temporary: dict[str, Path] = {}
        self.folders = set()
        for option, path in {**files, **folders}.items():
            if path is None:
                continue
            path = Path(path)
            self.final[option] = path
            parent = path.absolute().parent
            if option in folders:
                self.temporary[option] = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".partial", dir=parent))
                self.folders.add(option)
            else:
                handle, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=parent)
                os.close(handle)
                os.unlink(name)  # the writer creates it (atomically, through its own temporary file)
                self.temporary[option] = Path(name)

    def __getitem__(self, option: str) -> Path | None:
        return self.temporary.get(option)

    @contextmanager
    def writing(self, *options: str) -> Iterator[None]:
        """A file system error while writing ``options`` as one line naming the first one given."""
        try:
            yield
        except OSError as error:
            given = [option for option in options if option in self.final]
            option = next((o for o in given if error.filename and Path(error.filename).name.startswith(
                f".{self.final[o].name}.")), given[0] if given else options[0])
            raise refusal(option, self.final.get(option, ""), error) from None

    def final_path(self, path: Path) -> Path:
        """Where a temporary path (or a file in a temporary folder) ends up."""
        for option, temporary in self.temporary.items():
            if path == temporary:
                return self.final[option]
            if option in self.folders and temporary in path.parents:
                return self.final[option] / path.relative_to(temporary)
        return path

    def commit(self) -> None:
        """Rename every output into place: files replace, a folder's files move into the folder."""
        for option, temporary in self.temporary.items():
            final = self.final[option]
            try:
                if option in self.folders:
                    if not temporary.exists():
                        continue
                    final.mkdir(parents=True, exist_ok=True)
                    for item in temporary.iterdir():
                        os.replace(item, final / item.name)
                    temporary.rmdir()
                elif temporary.exists():
                    os.replace(temporary, final)
            except OSError as error:
                raise refusal(option, final, error) from None

    def discard(self) -> None:
        for option, temporary in self.temporary.items():
            if option in self.folders:
                shutil.rmtree(temporary, ignore_errors=True)
            else:
                temporary.unlink(missing_ok=True)
            for leftover in temporary.parent.glob(f".{temporary.name}.*.tmp"):  # an atomic write cut short
                leftover.unlink(missing_ok=True)


@contextmanager
def staged(files: dict, folders: dict | None = None) -> Iterator[Staged]:
    """Temporary paths for ``files`` and ``folders`` (option -> path or None): renamed into place when the block
    ends without an error, removed when it raises."""
    folders = folders or {}
    try:
        stage = Staged(files, folders)
    except OSError as error:
        option, path = next(((o, p) for o, p in {**files, **folders}.items() if p is not None), ("", ""))
        raise refusal(option, path, error) from None
    try:
        yield stage
        stage.commit()
    finally:
        stage.discard()


def check_not_inputs(outputs: dict, inputs: dict) -> None:
    """No output (option -> path) is an input file (what -> path) or another output: a run never writes over the
    file it reads, nor two outputs into one file."""
    def same(first, second) -> bool:
        first, second = Path(first), Path(second)
        try:
            if first.exists() and second.exists():
                return os.path.samefile(first, second)
        except OSError:
            pass
        return first.absolute().resolve() == second.absolute().resolve()

    given = {option: path for option, path in outputs.items() if path is not None}
    for option, path in given.items():
        for what, source in inputs.items():
            if source is not None and same(path, source):
                raise UsageError(f"{option} {path} is the {what} this command reads; writing it would destroy the "
                                 f"input: give another file name")
    options = list(given)
    for i, first in enumerate(options):
        for second in options[i + 1:]:
            if same(given[first], given[second]):
                raise UsageError(f"{first} and {second} both name {given[first]}; give each output a file of its own")
