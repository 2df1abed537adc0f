"""Writing files so that a crash never leaves one half-written, nor litter beside it.

``atomic_write`` writes to a temporary file in the target's folder and renames it over the
target. The temporaries are named ``.retrograd-<16 hex digits>.tmp`` and, on POSIX, held under
an exclusive ``flock`` while written: a process killed mid-write (even by SIGKILL) leaves its
temporary unlocked, and the next ``atomic_write`` into that folder removes it. A temporary
another writer still holds is never touched.
"""

from __future__ import annotations

import os
import re
import secrets
import stat
from collections.abc import Callable
from typing import BinaryIO

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: an open file cannot be deleted there anyway
    fcntl = None

TEMP_PREFIX = ".retrograd-"
_TEMP_NAME = re.compile(r"\.retrograd-[0-9a-f]{16}\.tmp")
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_BINARY = getattr(os, "O_BINARY", 0)


def file_kind(mode: int) -> str:
    """What a ``st_mode`` describes, in words ("a folder", "a named pipe (FIFO)", ...)."""
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a regular file" if stat.S_ISREG(mode) else "not a regular file"


def _lock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if someone else holds one."""
    if fcntl is None:  # pragma: no cover - Windows
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    return True


def remove_stale_temporaries(folder: str) -> list[str]:
    """Delete the temporaries that interrupted ``atomic_write`` calls left in ``folder`` (ones
    no live writer holds) and return their paths. Anything else is left alone."""
    removed = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        if not _TEMP_NAME.fullmatch(entry.name):
            continue
        try:
            if not entry.is_file(follow_symlinks=False):
                continue
            fd = os.open(entry.path, os.O_RDONLY | _NOFOLLOW | _NONBLOCK | _CLOEXEC | _BINARY)
        except OSError:
            continue
        try:
            # a writer holds its lock until its temporary is renamed or removed; the inode
            # check makes sure the name still means the file we locked
            if _lock(fd) and os.lstat(entry.path).st_ino == os.fstat(fd).st_ino:
                os.unlink(entry.path)
                removed.append(entry.path)
        except OSError:  # gone meanwhile, or not ours to delete (or open elsewhere: Windows)
            pass
        finally:
            os.close(fd)
    return removed


def _target(path: str) -> tuple[str, os.stat_result | None]:
    """The file a write to ``path`` must replace (a symlink's target, so the link stays) and
    its stat, or None if it does not exist yet."""
    if os.path.islink(path):
        path = os.path.realpath(path)
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"cannot write {path}: the folder {folder} does not exist")
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return path, None
    if stat.S_ISDIR(info.st_mode):
        raise IsADirectoryError(f"cannot write {path}: it is a folder")
    if not stat.S_ISREG(info.st_mode):
        raise OSError(f"cannot write {path}: it is {file_kind(info.st_mode)}, not a regular "
                      "file, and writing replaces it")
    return path, info


def _create_temporary(folder: str, mode: int) -> tuple[int, str]:
    """A new temporary file in ``folder``, open for writing and locked by us."""
    while True:
        tmp = os.path.join(folder, f"{TEMP_PREFIX}{secrets.token_hex(8)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
        fd = os.open(tmp, flags, mode)  # the umask applies, as for a plain open
        # a cleaner may have taken the file between its creation and our lock: then start over
        try:
            if _lock(fd) and os.lstat(tmp).st_ino == os.fstat(fd).st_ino:
                return fd, tmp
        except FileNotFoundError:
            pass
        os.close(fd)


def _close(fd: int) -> int:
    if fd >= 0:
        os.close(fd)
    return -1


def _sync_folder(folder: str) -> None:
    """Flush the folder entry of a rename to disk (POSIX; a no-op where folders can't open)."""
    try:
        fd = os.open(folder, os.O_RDONLY | _CLOEXEC)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike, write: Callable[[BinaryIO], None]) -> str:
    """Call ``write(f)`` on a temporary file beside ``path``, flush it to disk, then rename it
    over ``path`` (an atomic step). On any error the temporary file is removed and ``path`` is
    left as it was; temporaries of earlier interrupted writes in that folder are removed first.

    A new file gets the permissions a plain ``open`` gives; an existing one keeps its mode. A
    symlink is written through: its target is replaced and the link stays. Anything that is not
    a regular file (a folder, a FIFO, a device) is refused. Returns ``path``.
    """
    path = os.fspath(path)
    target, info = _target(path)
    folder = os.path.dirname(os.path.abspath(target))
    remove_stale_temporaries(folder)
    mode = 0o666 if info is None else stat.S_IMODE(info.st_mode) & 0o777
    fd, tmp = _create_temporary(folder, mode)
    try:
        try:
            if info is not None and hasattr(os, "fchmod"):
                os.fchmod(fd, mode)  # exactly the old mode, whatever the umask
            elif info is not None:  # pragma: no cover - Windows
                os.chmod(tmp, mode)
            with os.fdopen(fd, "wb", closefd=False) as f:
                write(f)
                f.flush()
                os.fsync(f.fileno())
            if fcntl is None:  # pragma: no cover - Windows renames no open file
                fd = _close(fd)
            os.replace(tmp, target)
        except BaseException:
            if fcntl is None:  # pragma: no cover - Windows deletes no open file
                fd = _close(fd)
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
    finally:
        _close(fd)  # on POSIX the lock goes only now, after the rename or the removal
    _sync_folder(folder)
    return path
