"""What an evidence file is, read from its content (CMP-6): a recording of the call, or the
customer's signed confirmation (a photo, a scan, a PDF). The name a client gives proves nothing:
a text file called ``reply.mp3`` is refused.

The magic numbers are read by ``filetype`` (PyPI); only the types below are accepted.
"""

import hashlib
import logging
from dataclasses import dataclass

import filetype
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse
from django.utils.translation import gettext as _

from servicedesk.contacts.models import CallbackEvidence
from servicedesk.core.exceptions import NotFound, ValidationFailed

logger = logging.getLogger(__name__)

# How many leading bytes the signatures need (filetype reads at most this many).
HEAD_BYTES = 8192

Kind = CallbackEvidence.Kind


@dataclass(frozen=True)
class EvidenceType:
    kind: str
    content_type: str  # what the download says it is
    extension: str  # of the stored file


# filetype's extension → what it is here. A phone's recording may come as an MP4 container
# (brand "isom"/"mp42") rather than "M4A ": both are kept as audio/mp4.
ALLOWED: dict[str, EvidenceType] = {
    "mp3": EvidenceType(Kind.RECORDING, "audio/mpeg", "mp3"),
    "wav": EvidenceType(Kind.RECORDING, "audio/wav", "wav"),
    "m4a": EvidenceType(Kind.RECORDING, "audio/mp4", "m4a"),
    "mp4": EvidenceType(Kind.RECORDING, "audio/mp4", "m4a"),
    "amr": EvidenceType(Kind.RECORDING, "audio/amr", "amr"),
    "ogg": EvidenceType(Kind.RECORDING, "audio/ogg", "ogg"),
    "jpg": EvidenceType(Kind.SIGNATURE, "image/jpeg", "jpg"),
    "png": EvidenceType(Kind.SIGNATURE, "image/png", "png"),
    "pdf": EvidenceType(Kind.SIGNATURE, "application/pdf", "pdf"),
}


def _id3_header_is_valid(head: bytes) -> bool:
    """filetype takes any file starting with "ID3" for an MP3; a real ID3v2 header also has a
    version 2 to 4, no undefined flags and a size of four 7-bit bytes (id3.org, ID3v2.4 §3.1)."""
    if len(head) < 10:
        return False
    version, revision, flags, size = head[3], head[4], head[5], head[6:10]
    return version in (2, 3, 4) and revision != 0xFF and not flags & 0x0F and all(b < 0x80 for b in size)


def evidence_type(head: bytes) -> EvidenceType:
    """What the file whose first bytes are ``head`` is, or 422 on ``file``."""
    guessed = filetype.guess(head) if head else None
    extension = guessed.extension if guessed is not None else ""
    found = ALLOWED.get(extension)
    if extension == "mp3" and head.startswith(b"ID3") and not _id3_header_is_valid(head):
        found = None
    if found is None:
        raise ValidationFailed(
            _("This file is neither a recording (MP3, WAV, M4A, AMR, OGG) nor a signed confirmation "
              "(JPEG, PNG, PDF)."), field="file")
    return found


def upload_digest(upload: UploadedFile) -> tuple[str, int, bytes]:
    """(SHA-256, size, first ``HEAD_BYTES`` bytes) of an upload, read once in chunks."""
    digest = hashlib.sha256()
    size = 0
    head = b""
    upload.seek(0)
    for chunk in upload.chunks():
        if len(head) < HEAD_BYTES:
            head += chunk[:HEAD_BYTES - len(head)]
        digest.update(chunk)
        size += len(chunk)
    upload.seek(0)
    return digest.hexdigest(), size, head


def evidence_download(evidence: CallbackEvidence) -> FileResponse:
    """The file as an attachment (never shown inline in the browser), with the type read from its
    content when it was uploaded; for a caller that checked who asks (``callback_evidence_for_user``)."""
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        logger.error("Evidence file %s of callback %s is missing from storage", evidence.file.name,
                     evidence.callback_id)
        raise NotFound(_("The file is missing from storage.")) from None
    extension = (evidence.file.name or "").rsplit(".", 1)[-1]
    name = evidence.original_name or f"CB{evidence.callback_id:07d}-{evidence.pk}.{extension}"
    response = FileResponse(handle, as_attachment=True, filename=name, content_type=evidence.content_type)
    response["Cache-Control"] = "private, no-store"
    return response
