"""Checks on uploaded evidence, decided by what a file contains, never by what it is called.

A file is accepted when its first bytes are those of a PDF, a PNG or a JPEG and it is no larger than
``EVIDENCE_MAX_BYTES``. The uploaded name is never used as a path (storage picks a random one); it is
kept, cleaned, for display only. Every refusal is a ``ValidationFailed`` naming the field and the
reason, raised before anything is written.
"""

import hashlib
import os
import re
import unicodedata
from dataclasses import dataclass
from typing import IO

import filetype

from marketplace.errors import ValidationFailed

EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
EVIDENCE_NAME_MAX_LENGTH = 120
#: what we accept, by detected type; APNG is a PNG that browsers animate
EVIDENCE_TYPES: dict[str, str] = {
    "application/pdf": "application/pdf",
    "image/png": "image/png",
    "image/apng": "image/png",
    "image/jpeg": "image/jpeg",
}
EVIDENCE_ACCEPT = "application/pdf,image/png,image/jpeg,.pdf,.png,.jpg,.jpeg"
_SNIFF_BYTES = 8192
_ALLOWED_WORDS = "a PDF, PNG or JPEG file"


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, with what we record about it."""

    file: IO[bytes]
    display_name: str
    content_type: str
    size: int
    sha256: str


def _megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB"


def _refuse(field: str, reason: str) -> ValidationFailed:
    return ValidationFailed(f"{field.capitalize()}: {reason}", details={field: [reason]})


def _has_path_elements(name: str) -> bool:
    if "/" in name or "\\" in name or "\x00" in name:
        return True
    return name.strip() in {".", ".."}


def evidence_display_name(name: str) -> str:
    """A safe display name: no directories, no control characters, a bounded length.

    ``../../etc/passwd.pdf`` and ``C:\\x\\y.pdf`` become ``passwd.pdf`` and ``y.pdf``. The result is
    shown to people and put in a ``Content-Disposition`` header; it is never a path on disk.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = re.split(r"[/\\]", name)[-1]
    name = "".join(ch if unicodedata.category(ch)[0] != "C" else " " for ch in name)
    name = " ".join(name.split()).lstrip(". ")
    if len(name) > EVIDENCE_NAME_MAX_LENGTH:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: EVIDENCE_NAME_MAX_LENGTH - len(ext)].rstrip() + ext
    return name or "evidence"


def _describe_unknown(head: bytes) -> str:
    """Words for content that is none of the accepted types, so the person knows what went wrong."""
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if b"<svg" in text[:1024]:
        return "an SVG image"
    if text.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<script")) or b"<html" in text[:1024]:
        return "an HTML page"
    if text.startswith(b"<?xml") or text.startswith(b"<"):
        return "an XML or HTML document"
    try:
        head.decode("utf-8")
    except UnicodeDecodeError:
        return "a file of an unknown type"
    return "plain text"


def _read_head(upload) -> bytes:
    upload.seek(0)
    head = upload.read(_SNIFF_BYTES)
    upload.seek(0)
    return bytes(head or b"")


def evidence_check(*, upload, field: str = "evidence") -> CheckedUpload:
    """Accept ``upload`` as evidence, or raise ``ValidationFailed`` saying which field and why."""
    if upload is None:
        raise _refuse(field, f"Choose {_ALLOWED_WORDS} to upload as evidence.")
    raw_name = str(getattr(upload, "name", "") or "")
    if _has_path_elements(raw_name):
        raise _refuse(
            field,
            f"The file name “{evidence_display_name(raw_name)}” includes folder names or “..”; "
            "rename the file to a plain name such as diploma.pdf and upload it again.",
        )
    size = upload.size
    if size is None:
        raise _refuse(field, "The size of the file could not be read; upload it again.")
    if size == 0:
        raise _refuse(field, f"The file is empty; upload {_ALLOWED_WORDS} with your evidence in it.")
    if size > EVIDENCE_MAX_BYTES:
        raise _refuse(
            field,
            f"The file is {_megabytes(size)}; the limit is {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB. "
            "Scan at a lower resolution or export a smaller PDF.",
        )
    head = _read_head(upload)
    if not head:
        raise _refuse(field, f"The file is empty; upload {_ALLOWED_WORDS} with your evidence in it.")
    kind = filetype.guess(bytearray(head))
    content_type = EVIDENCE_TYPES.get(kind.mime) if kind is not None else None
    if content_type is None:
        found = f"a {kind.extension.upper()} file" if kind is not None else _describe_unknown(head)
        raise _refuse(
            field,
            f"The file's content is {found}, whatever its name says; only {_ALLOWED_WORDS} is accepted.",
        )
    digest = hashlib.sha256()
    read = 0
    upload.seek(0)
    for chunk in upload.chunks() if hasattr(upload, "chunks") else iter(lambda: upload.read(65536), b""):
        read += len(chunk)
        if read > EVIDENCE_MAX_BYTES:  # a size that lied
            raise _refuse(field, f"The file is larger than {EVIDENCE_MAX_BYTES // (1024 * 1024)} MB.")
        digest.update(chunk)
    upload.seek(0)
    return CheckedUpload(
        file=upload,
        display_name=evidence_display_name(raw_name),
        content_type=content_type,
        size=read,
        sha256=digest.hexdigest(),
    )
