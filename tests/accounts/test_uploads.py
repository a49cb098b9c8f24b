import hashlib
import io
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Credential, Domain
from accounts.services.credentials import credential_submit
from accounts.uploads import EVIDENCE_MAX_BYTES, evidence_check, evidence_display_name
from marketplace.errors import ValidationFailed
from tests.factories import MINIMAL_PDF


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


# A real 1x1 white PNG, and the smallest JPEG header (SOI + JFIF APP0) that magic-byte detection knows.
PNG_1PX = (
    b"\x89PNG\r\n\x1a\n"
    + _png_chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
    + _png_chunk(b"IDAT", zlib.compress(b"\x00\xff\xff\xff"))
    + _png_chunk(b"IEND", b"")
)
JPEG_MINIMAL = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"
HTML_PAGE = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG_IMAGE = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect/></svg>'


def _zip_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("diploma.pdf", MINIMAL_PDF)
    return buffer.getvalue()


def _stored_files() -> list[Path]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def _submit(expert, evidence):
    return credential_submit(
        expert=expert,
        kind=Credential.Kind.DEGREE,
        domain=Domain.objects.get(slug="physics"),
        title="PhD in Theoretical Physics",
        issuer="University of Somewhere",
        identifier="",
        issued_on=None,
        expires_on=None,
        evidence=evidence,
    )


# --- accepted, by content ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "content_type"),
    [
        ("diploma.pdf", MINIMAL_PDF, "application/pdf"),
        ("license.png", PNG_1PX, "image/png"),
        ("certificate.jpg", JPEG_MINIMAL, "image/jpeg"),
    ],
)
def test_pdf_png_and_jpeg_are_accepted_with_their_size_and_digest(name, data, content_type):
    checked = evidence_check(upload=SimpleUploadedFile(name, data, content_type="application/octet-stream"))

    assert checked.content_type == content_type
    assert checked.size == len(data)
    assert checked.sha256 == hashlib.sha256(data).hexdigest()
    assert checked.display_name == name


def test_the_content_decides_not_the_name_or_the_declared_type():
    upload = SimpleUploadedFile("scan.html", PNG_1PX, content_type="text/html")

    checked = evidence_check(upload=upload)

    assert checked.content_type == "image/png"


def test_an_accepted_upload_is_stored_under_a_random_private_name(expert):
    credential = _submit(expert, SimpleUploadedFile("My Diploma (final).pdf", MINIMAL_PDF))

    stored = _stored_files()
    assert len(stored) == 1
    assert stored[0].parent == Path(settings.PRIVATE_MEDIA_ROOT) / "evidence"
    assert len(stored[0].name) == 32 and "Diploma" not in stored[0].name
    assert stored[0].read_bytes() == MINIMAL_PDF
    assert credential.evidence_name == "My Diploma (final).pdf"
    assert credential.evidence_sha256 == hashlib.sha256(MINIMAL_PDF).hexdigest()


# --- refused, with a reason, and nothing stored --------------------------------------------------


REFUSALS = [
    pytest.param("diploma.pdf", HTML_PAGE, "content is an HTML page", id="html-renamed-pdf"),
    pytest.param("diploma.pdf", SVG_IMAGE, "content is an SVG image", id="svg-renamed-pdf"),
    pytest.param("diploma.pdf", _zip_bytes(), "content is a ZIP file", id="zip-renamed-pdf"),
    pytest.param("diploma.pdf", b"", "The file is empty", id="empty"),
    pytest.param("notes.pdf", b"just some words, no document", "content is plain text", id="text-renamed-pdf"),
    pytest.param(
        "huge.pdf", MINIMAL_PDF + b"\0" * (EVIDENCE_MAX_BYTES + 1 - len(MINIMAL_PDF)), "the limit is 10 MB", id="11mb"
    ),
]


@pytest.mark.parametrize(("name", "data", "reason"), REFUSALS)
def test_a_bad_file_is_refused_by_the_service_and_nothing_is_stored(expert, name, data, reason):
    with pytest.raises(ValidationFailed) as refused:
        _submit(expert, SimpleUploadedFile(name, data, content_type="application/pdf"))

    assert reason in refused.value.details["evidence"][0]
    assert "evidence" in refused.value.message.lower()
    assert not Credential.objects.exists()
    assert _stored_files() == []


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.pdf", "C:\\x\\y.pdf", "..", "evidence/../../secret.pdf"],
    ids=["posix", "windows", "dotdot", "mixed"],
)
def test_a_file_name_with_folders_or_dotdot_is_refused_and_nothing_is_stored(expert, name):
    upload = File(io.BytesIO(MINIMAL_PDF), name=name)

    with pytest.raises(ValidationFailed) as refused:
        _submit(expert, upload)

    assert "includes folder names" in refused.value.details["evidence"][0]
    assert not Credential.objects.exists()
    assert _stored_files() == []


def test_an_oversized_file_is_refused_before_its_content_is_read():
    class Unreadable(io.BytesIO):
        def read(self, *args):
            raise AssertionError("the content was read")

    upload = File(Unreadable(), name="huge.pdf")
    upload.size = EVIDENCE_MAX_BYTES + 1

    with pytest.raises(ValidationFailed, match="limit is 10 MB"):
        evidence_check(upload=upload)


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd.pdf", "passwd.pdf"),
        ("C:\\x\\y.pdf", "y.pdf"),
        ("bad\x00na\x1bme\n.pdf", "bad na me .pdf"),
        ("..hidden.pdf", "hidden.pdf"),
        ("", "evidence"),
        ("a" * 300 + ".pdf", "a" * 116 + ".pdf"),
    ],
)
def test_display_names_are_bare_printable_and_bounded(raw, clean):
    assert evidence_display_name(raw) == clean


# --- through the form ----------------------------------------------------------------------------


def _post(client, evidence):
    return client.post(
        reverse("credential_add"),
        {
            "kind": "degree",
            "domain": Domain.objects.get(slug="quantum-mechanics").pk,
            "title": "PhD in Theoretical Physics",
            "issuer": "University of Somewhere",
            "evidence": evidence,
        },
    )


@pytest.mark.parametrize(("name", "data", "reason"), REFUSALS)
def test_the_add_form_shows_why_a_file_was_refused_and_stores_nothing(client, expert, name, data, reason):
    client.force_login(expert)

    response = _post(client, SimpleUploadedFile(name, data, content_type="application/pdf"))

    assert response.status_code == 400
    assert reason in response.context["form"].errors["evidence"][0]
    assert reason in response.content.decode()
    assert not Credential.objects.exists()
    assert _stored_files() == []


def test_a_path_in_the_uploaded_name_never_reaches_the_disk(client, expert):
    """Django's parser drops folders from multipart names; the stored name is random anyway."""
    client.force_login(expert)
    boundary = "BoUnDaRy"
    fields = {
        "kind": "degree",
        "domain": str(Domain.objects.get(slug="physics").pk),
        "title": "PhD",
        "issuer": "University",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{key}"\r\n\r\n{value}\r\n'.encode()
        for key, value in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="evidence"; filename="../../etc/passwd.pdf"\r\n'
        "Content-Type: application/pdf\r\n\r\n".encode()
        + MINIMAL_PDF
        + b"\r\n"
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()

    response = client.generic(
        "POST", reverse("credential_add"), body, content_type=f"multipart/form-data; boundary={boundary}"
    )

    assert response.status_code == 302
    credential = Credential.objects.get()
    assert credential.evidence_name == "passwd.pdf"
    stored = _stored_files()
    assert [p.parent for p in stored] == [Path(settings.PRIVATE_MEDIA_ROOT) / "evidence"]
