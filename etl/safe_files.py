"""Files carekpi writes: created readable by their owner only (0600; folders 0700), and an output path given on the
command line (`--out`) refused, with a one-line message, when it is a folder, a device or other special file, or a
symbolic link (which could point a report over another file).

`open_private` is the one way to create such a file; `private_umask` makes every file a block creates (DuckDB's
snapshot and spill files, say) owner-only too; `write_out` writes an `--out` file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path

FILE_MODE, DIR_MODE, UMASK = 0o600, 0o700, 0o077


class UnsafePath(ValueError):
    """An output path carekpi will not write to; the message is one line naming it."""


def check_out(path: Path) -> Path:
    """The path, if a regular file may be written there; else raise UnsafePath."""
    path = Path(path)
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        if not path.parent.is_dir():
            raise UnsafePath(f"{path}: its folder {path.parent} does not exist") from None
        return path
    if stat.S_ISLNK(info.st_mode):
        raise UnsafePath(f"{path}: is a symbolic link; give the path of a regular file")
    if stat.S_ISDIR(info.st_mode):
        raise UnsafePath(f"{path}: is a folder; give a file name")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafePath(f"{path}: is a device or special file, not a regular file")
    return path


def open_private(path: Path, flags: int = os.O_WRONLY | os.O_CREAT | os.O_TRUNC):
    """Open `path` for writing as a binary file created 0600, never following a symbolic link."""
    fd = os.open(path, flags | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0), FILE_MODE)
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise UnsafePath(f"{path}: is not a regular file")
    return os.fdopen(fd, "ab" if flags & os.O_APPEND else "wb")


def private_opener(path: str, flags: int) -> int:
    """An `opener` for open(): the file is created 0600 and a symbolic link is not followed."""
    return os.open(path, flags | os.O_NOFOLLOW, FILE_MODE)


def write_out(path: Path, data: bytes) -> None:
    """Write an output file (`--out`): refused when unsafe, created 0600, written whole or a one-line error."""
    path = check_out(path)
    try:
        with open_private(path) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        raise UnsafePath(f"{path}: cannot be written ({exc.strerror or type(exc).__name__})") from None


@contextlib.contextmanager
def private_umask() -> Iterator[None]:
    """Every file and folder created inside the block is owner-only."""
    previous = os.umask(UMASK)
    try:
        yield
    finally:
        os.umask(previous)
