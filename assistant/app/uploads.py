"""Checked uploads into the corpus folder, and deletions from it.

Everything a user sends through the chat UI or its API goes through ``save_upload``:

* the file name must be a plain, safe name: no folders, no ``..``, no absolute or drive paths,
  no control or shell-hostile characters, no hidden names, no Windows reserved names (``CON``,
  ``NUL``, ``COM1`` ...), at most 255 bytes;
* only the file types the assistant reads (``schema.FILE_TYPES``: ``.txt``, ``.md``, ``.markdown``,
  ``.pdf``), at most ``max_bytes`` (``ServerSettings.max_upload_mb``, default 50 MB), never empty;
* the content must match the type: a ``.pdf`` starts with ``%PDF-`` (an executable renamed to
  ``.pdf`` is refused), a text file must decode as text (the same decoder the indexer uses);
* an existing file is only replaced when ``overwrite=True``.

All checks run before anything is written. The bytes then go to a hidden temporary file in the
corpus folder (hidden files are never indexed), are flushed to disk, and are moved to the final
name in one step (``link`` for "do not overwrite", which fails if the name appeared meanwhile;
``replace`` otherwise). A failure leaves the corpus as it was.
"""

from __future__ import annotations

import os
import re
import tempfile
import unicodedata
from pathlib import Path

from ..errors import LoadError, UploadError
from ..files import fsync_dir
from ..ingest.text_files import decode_text
from ..schema import FILE_TYPES, kind_of
from ..settings import ServerSettings

DEFAULT_MAX_BYTES = int(ServerSettings().max_upload_mb * 1024 * 1024)

# Names Windows reserves in every folder, with or without an extension.
_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$", "CLOCK$"}
_RESERVED |= {f"COM{i}" for i in range(10)} | {f"LPT{i}" for i in range(10)}
_RESERVED |= {f"COM{c}" for c in "¹²³"} | {f"LPT{c}" for c in "¹²³"}
_BAD_CHARS = re.compile(r'[<>:"|?*\\/\x00-\x1f\x7f]')

# Magic numbers of executables and archives that must never pass as documents.
_BINARY_MAGIC = {
    b"MZ": "a Windows executable",
    b"\x7fELF": "a Linux executable",
    b"\xcf\xfa\xed\xfe": "a macOS executable",
    b"\xce\xfa\xed\xfe": "a macOS executable",
    b"\xca\xfe\xba\xbe": "a macOS/Java binary",
    b"#!": "a script",
    b"PK\x03\x04": "a ZIP archive",
    b"\x1f\x8b": "a gzip archive",
    b"Rar!": "a RAR archive",
    b"7z\xbc\xaf": "a 7-Zip archive",
}


def _describe_binary(data: bytes) -> str | None:
    for magic, what in _BINARY_MAGIC.items():
        if data.startswith(magic):
            return what
    return None


def check_filename(filename: str) -> str:
    """Return ``filename`` (NFC-normalised) if it is a safe plain file name; raise ``UploadError`` if not."""
    if not isinstance(filename, str) or not filename.strip():
        raise UploadError("the file has no name")
    name = unicodedata.normalize("NFC", filename)
    if name.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", name) or name.startswith("~"):
        raise UploadError(f"{filename!r}: absolute paths are not allowed; send a plain file name")
    if "/" in name or "\\" in name:
        raise UploadError(f"{filename!r}: file names must not contain folders ('/' or '\\')")
    if name in (".", ".."):
        raise UploadError(f"{filename!r}: not a file name")
    if _BAD_CHARS.search(name):
        raise UploadError(f'{filename!r}: the name contains characters that are not allowed (<>:"|?* or control characters)')
    if name.startswith("."):
        raise UploadError(f"{filename!r}: hidden file names (starting with '.') are not allowed")
    if name != name.strip() or name.endswith("."):
        raise UploadError(f"{filename!r}: file names must not start or end with a space or end with a dot")
    if len(name.encode("utf-8")) > 255:
        raise UploadError(f"{filename[:40]!r}...: the file name is too long (at most 255 bytes)")
    stem = name.split(".", 1)[0].rstrip(" ").upper()
    if stem in _RESERVED:
        raise UploadError(f"{filename!r}: {stem} is a reserved device name; choose another file name")
    suffix = Path(name).suffix.lower()
    if kind_of(suffix) is None:
        allowed = ", ".join(FILE_TYPES)
        raise UploadError(f"{filename!r}: only {allowed} files can be uploaded")
    return name


def check_content(name: str, data: bytes, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
    """Raise ``UploadError`` unless ``data`` is a plausible, non-empty file of the type its name says."""
    size = len(data)
    if size == 0:
        raise UploadError(f"{name}: the file is empty")
    if size > max_bytes:
        raise UploadError(f"{name}: the file is too large ({_mb(size)}; the limit is {_mb(max_bytes)})")
    suffix = Path(name).suffix.lower()
    if suffix == ".pdf":
        if not data.startswith(b"%PDF-"):
            what = _describe_binary(data)
            if what:
                raise UploadError(f"{name}: this is not a PDF, it is {what}")
            raise UploadError(f"{name}: this is not a PDF file (it does not start with %PDF-)")
        return
    what = _describe_binary(data)
    if what and not data.startswith(b"#!"):
        raise UploadError(f"{name}: this is not a text file, it is {what}")
    try:
        decode_text(data)
    except LoadError as e:
        raise UploadError(f"{name}: not readable as text ({e})") from None


def _mb(n: int) -> str:
    return f"{n / (1024 * 1024):.1f} MB" if n >= 100 * 1024 else f"{n / 1024:.0f} KB"


def target_path(corpus_dir: str | Path, name: str) -> Path:
    """Where ``name`` goes in the corpus folder; refuses anything that would land elsewhere."""
    root = Path(corpus_dir).resolve()
    target = root / name
    if target.parent.resolve() != root:
        raise UploadError(f"{name!r}: would be written outside the documents folder")
    if target.is_symlink():
        raise UploadError(f"{name!r}: a link with this name exists in the documents folder; refusing to follow it")
    if target.exists() and not target.is_file():
        raise UploadError(f"{name!r}: a folder with this name exists in the documents folder")
    return target


def save_upload(
    corpus_dir: str | Path,
    filename: str,
    data: bytes,
    overwrite: bool = False,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Path:
    """Check an uploaded file and write it into ``corpus_dir``; return the saved path.

    Raises:
        UploadError: the name, type, size or content is not acceptable, or the file exists and
            ``overwrite`` is false. Nothing is written in that case.
    """
    root = Path(corpus_dir)
    if not root.is_dir():
        raise UploadError(f"the documents folder {root} does not exist")
    name = check_filename(filename)
    check_content(name, data, max_bytes)
    target = target_path(root, name)
    if target.exists() and not overwrite:
        raise UploadError(f"{name}: a document with this name already exists (tick 'Replace existing files' to overwrite it)")

    fd, tmp = tempfile.mkstemp(prefix=".upload-", suffix=".part", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if overwrite:
            os.replace(tmp, target)
        else:
            try:
                os.link(tmp, target)  # atomic "create only if absent"
            except FileExistsError:
                raise UploadError(f"{name}: a document with this name already exists (tick 'Replace existing files' to overwrite it)") from None
            except OSError:  # file system without hard links
                if target.exists():
                    raise UploadError(f"{name}: a document with this name already exists") from None
                os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    fsync_dir(target.parent)
    return target


def backup(path: Path) -> Path | None:
    """Copy an existing corpus file aside (hidden, so never indexed) before it is replaced."""
    if not path.is_file():
        return None
    fd, tmp = tempfile.mkstemp(prefix=".backup-", suffix=".part", dir=path.parent)
    with os.fdopen(fd, "wb") as f:
        f.write(path.read_bytes())
    return Path(tmp)


def resolve_document(corpus_dir: str | Path, source: str) -> Path:
    """The file of an indexed document (``source`` relative to the corpus); refuses paths outside it."""
    if not isinstance(source, str) or not source.strip():
        raise UploadError("no document chosen")
    if "\x00" in source or source.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", source):
        raise UploadError(f"{source!r}: not a document of this corpus")
    root = Path(corpus_dir).resolve()
    path = (root / source).resolve()
    try:
        path.relative_to(root)
    except ValueError:
        raise UploadError(f"{source!r}: not a document of this corpus") from None
    if not path.is_file():
        raise UploadError(f"{source}: no such file in the documents folder")
    return path


def delete_document(corpus_dir: str | Path, source: str) -> Path:
    """Delete a document's file from the corpus folder (the index drops it on the next update)."""
    path = resolve_document(corpus_dir, source)
    path.unlink()
    return path
