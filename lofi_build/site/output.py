"""The output tree: content-hashed asset names, written into a temp dir and swapped in atomically."""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from ..errors import ContentError, LofiError

MARKER = "manifest.json"  # every lofi-build output has one; we refuse to replace a folder without it


def read_bytes(path: Path) -> bytes:
    """A source file's bytes; a missing or unreadable file is the user's error, not a crash."""
    try:
        return Path(path).read_bytes()
    except OSError as e:
        raise ContentError(f"cannot read file: {e.strerror or e}", path) from None


def content_hash(data: bytes, length: int = 10) -> str:
    return hashlib.sha256(data).hexdigest()[:length]


class Output:
    """Files of one build, kept in memory until written; URLs are relative to the site root."""

    def __init__(self):
        self.files: dict[str, bytes] = {}

    def add(self, rel: str, data: bytes) -> str:
        rel = str(PurePosixPath(rel))
        if self.files.get(rel, data) != data:
            raise RuntimeError(f"two different files would be written to {rel}")
        self.files[rel] = data
        return rel

    def add_hashed(self, rel: str, data: bytes) -> str:
        """Add ``dir/name.ext`` as ``dir/name.<hash>.ext`` and return its URL."""
        p = PurePosixPath(rel)
        suffix = "".join(p.suffixes[-1:])
        stem = p.name[: len(p.name) - len(suffix)] if suffix else p.name
        return self.add(str(p.with_name(f"{stem}.{content_hash(data)}{suffix}")), data)

    def add_file(self, src: Path, rel: str) -> str:
        return self.add_hashed(rel, read_bytes(src))

    def add_tree(self, files: dict[str, Path], rel_dir: str, transform=None) -> str:
        """Copy a folder's ``files`` (path inside it -> source file) as ``rel_dir-<hash>/``, the hash
        covering every file, so relative imports between ES modules keep working while the URL
        still changes with the content. ``transform(rel, data)``: what is published of each file."""
        digest = hashlib.sha256()
        contents = []
        for rel, path in files.items():
            data = read_bytes(path)
            if transform is not None:
                data = transform(rel, data)
            digest.update(rel.encode() + b"\0" + hashlib.sha256(data).digest())
            contents.append((rel, data))
        base = f"{rel_dir}-{digest.hexdigest()[:10]}"
        for rel, data in contents:
            self.add(f"{base}/{rel}", data)
        return base


def same_tree(files: dict[str, bytes], root: Path) -> bool:
    """True when ``root`` holds exactly ``files`` (so a rebuild can leave it untouched)."""
    if not root.is_dir():
        return False
    existing = {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() or p.is_symlink()}
    if existing != set(files):
        return False
    for rel, data in files.items():
        p = root / rel
        if p.stat().st_size != len(data) or p.read_bytes() != data:
            return False
    return True


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories with renameat2(RENAME_EXCHANGE) where Linux offers it."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    if rc != 0:
        if ctypes.get_errno() in (errno.EINVAL, errno.ENOSYS, errno.EPERM):
            return False
        raise OSError(ctypes.get_errno(), os.strerror(ctypes.get_errno()), str(a))
    return True


def check_replaceable(outdir: Path, protected: list[Path]) -> None:
    """Refuse to build over a folder that is not an earlier build (or that holds the project)."""
    out = outdir.resolve()
    for p in protected:
        p = p.resolve()
        if out == p or p.is_relative_to(out):
            raise LofiError(f"the output folder would replace {p}; choose another -d", outdir)
    if outdir.is_symlink() or (outdir.exists() and not outdir.is_dir()):
        raise LofiError("the output path exists and is not a folder", outdir)
    if outdir.is_dir() and any(outdir.iterdir()) and not (outdir / MARKER).is_file():
        raise LofiError("the output folder is not empty and is not a lofi-build site; refusing to replace it", outdir)


def _link_if_same(old: Path, new: Path, data: bytes) -> bool:
    """Hard-link ``new`` to the previous build's file when it already holds ``data``: a rebuild
    after one edit then writes only what changed (the sound kit alone is megabytes)."""
    try:
        if old.is_symlink() or old.stat().st_size != len(data) or old.read_bytes() != data:
            return False
        os.link(old, new)
        return True
    except OSError:
        return False


def commit(files: dict[str, bytes], outdir: Path) -> bool:
    """Write ``files`` as ``outdir`` atomically; return False when it already held exactly them."""
    if same_tree(files, outdir):
        return False
    outdir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-new-", dir=outdir.parent))
    try:
        for rel, data in sorted(files.items()):
            path = tmp / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if not _link_if_same(outdir / rel, path, data):
                path.write_bytes(data)
        os.chmod(tmp, 0o755)
        if outdir.exists():
            if not _exchange(tmp, outdir):
                old = Path(tempfile.mkdtemp(prefix=f".{outdir.name}-old-", dir=outdir.parent))
                os.rename(outdir, old / "site")
                os.rename(tmp, outdir)
                tmp = old
        else:
            os.rename(tmp, outdir)
            return True
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return True
