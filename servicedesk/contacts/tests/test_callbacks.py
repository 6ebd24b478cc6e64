"""The customer's opinion on a callback and the evidence of the call (CMP-6; 002 §5 (四) 2 投诉回访制度,
(三) 2 (6) "以录音或客户签字认可等形式"), and the hook the layers above use when a callback is done.

Evidence files are recognised by their content; they are downloaded only by those who read every
request and by the callback's assignee (INT-8), never by provider staff, customers or outsiders.
"""

import io
import re
import struct
import wave
import zlib
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.urls import reverse

from servicedesk.api import api
from servicedesk.contacts.callback_hooks import on_callback_completed, remove_callback_completed_handler
from servicedesk.contacts.models import Callback, CallbackEvidence, ContactRecord
from servicedesk.contacts.services import (
    CallbackDraft,
    callback_complete,
    callback_evidence_add,
    callbacks_create,
)
from servicedesk.core.exceptions import ActionNotAllowed, ValidationFailed
from servicedesk.core.tests.api_helpers import BASE, as_, error_of

pytestmark = pytest.mark.django_db

Kind = Callback.Kind


# ----------------------------------------------------------------------------------------------
# Files made here, byte by byte


def wav_bytes(seconds: float = 0.1) -> bytes:
    """A real WAV: 8 kHz mono 16-bit silence, written by the standard library."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x00" * int(8000 * seconds))
    return buffer.getvalue()


def png_bytes() -> bytes:
    """A real 1×1 grey PNG."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x80")) + chunk(b"IEND", b""))


def pdf_bytes() -> bytes:
    return (b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            b"2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def mp3_bytes() -> bytes:
    """An ID3v2.4 tag with no frames, then MPEG-1 Layer III frame headers (128 kbit/s, 44.1 kHz)."""
    frame = b"\xff\xfb\x90\x00" + b"\x00" * 413
    return b"ID3\x04\x00\x00\x00\x00\x00\x00" + frame * 3


def jpeg_bytes() -> bytes:
    header = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return header + b"\x00" * 64 + b"\xff\xd9"


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def attach(world, callback, name, content, persona="agent"):
    return callback_evidence_add(callback=callback, actor=world.users[persona], upload=upload(name, content))


def evidence_dir() -> Path:
    return Path(settings.STORAGES["evidence"]["OPTIONS"]["location"])


# ----------------------------------------------------------------------------------------------
# Callbacks made here


def make_callback(world, kind=Kind.RESULT, customer="alice"):
    callback, = callbacks_create([CallbackDraft(kind=kind, reason="告知处理结果",
                                                customer=world.customers[customer], phone="13800138000")])
    return callback  # alice's goes to "agent" (the only available agent), the hospital's to its manager


# ----------------------------------------------------------------------------------------------
# The customer's opinion (CMP-6)


def test_CMP6_a_result_callback_needs_the_customers_opinion_when_reached(world):
    callback = make_callback(world)
    with pytest.raises(ValidationFailed) as refused:
        callback_complete(callback=callback, actor=world.users["agent"], reached=True, result="已告知退费")
    assert set(refused.value.errors) == {"satisfaction"}
    callback.refresh_from_db()
    assert callback.status == Callback.Status.OPEN and not ContactRecord.objects.exists()
    callback_complete(callback=callback, actor=world.users["agent"], reached=True, result="已告知退费",
                      satisfaction="satisfied", satisfaction_comment="  处理及时  ")
    callback.refresh_from_db()
    assert (callback.status, callback.satisfaction, callback.satisfaction_comment) == (
        Callback.Status.DONE, "satisfied", "处理及时")
    notes = ContactRecord.objects.get(direction=ContactRecord.Direction.OUTBOUND).notes
    assert "满意" in notes and "处理及时" in notes


@pytest.mark.parametrize("kind", [Kind.RESTORATION, Kind.OTHER])
def test_CMP6_the_opinion_is_optional_on_other_callbacks(world, kind):
    callback = make_callback(world, kind)
    callback_complete(callback=callback, actor=world.users["agent"], reached=True)
    callback.refresh_from_db()
    assert callback.status == Callback.Status.DONE and callback.satisfaction == ""
    other = make_callback(world, kind)
    callback_complete(callback=other, actor=world.users["agent"], reached=True, satisfaction="average")
    other.refresh_from_db()
    assert other.satisfaction == "average"


@pytest.mark.parametrize(("given", "field"), [({"satisfaction": "satisfied"}, "satisfaction"),
                                              ({"satisfaction_comment": "不错"}, "satisfaction_comment")])
def test_CMP6_no_opinion_is_recorded_for_a_customer_not_reached(world, given, field):
    callback = make_callback(world)
    with pytest.raises(ValidationFailed) as refused:
        callback_complete(callback=callback, actor=world.users["agent"], reached=False, **given)
    assert set(refused.value.errors) == {field}
    callback_complete(callback=callback, actor=world.users["agent"], reached=False)  # unreachable: no opinion
    callback.refresh_from_db()
    assert callback.status == Callback.Status.UNREACHABLE


def test_CMP6_an_unknown_opinion_is_refused(world):
    with pytest.raises(ValidationFailed) as refused:
        callback_complete(callback=make_callback(world), actor=world.users["agent"], reached=True,
                          satisfaction="delighted")
    assert set(refused.value.errors) == {"satisfaction"}


# ----------------------------------------------------------------------------------------------
# The hook for the layers above


@pytest.fixture
def registered():
    handlers = []

    def register(handler):
        on_callback_completed(handler)
        handlers.append(handler)
        return handler

    yield register
    for handler in handlers:
        remove_callback_completed_handler(handler)


def test_CMP6_a_registered_handler_runs_inside_the_completion_with_the_completed_callback(world, registered):
    seen = []

    def handler(callback):
        seen.append((callback.pk, callback.status, callback.satisfaction, callback.completed_by.username,
                     connection.in_atomic_block,
                     ContactRecord.objects.filter(direction=ContactRecord.Direction.OUTBOUND).count()))

    registered(handler)
    registered(handler)  # registered twice, called once
    callback = make_callback(world)
    callback_complete(callback=callback, actor=world.users["agent"], reached=True, satisfaction="very_poor",
                      satisfaction_comment="问题没有解决")
    assert seen == [(callback.pk, "done", "very_poor", "agent", True, 1)]


def test_CMP6_a_handler_that_refuses_rolls_the_completion_back(world, registered):
    def handler(callback):
        raise ValidationFailed("投诉已归档", field="status")

    registered(handler)
    callback = make_callback(world)
    with pytest.raises(ValidationFailed):
        callback_complete(callback=callback, actor=world.users["agent"], reached=True, satisfaction="average")
    callback.refresh_from_db()
    assert callback.status == Callback.Status.OPEN and callback.satisfaction == ""
    assert not ContactRecord.objects.exists()


# ----------------------------------------------------------------------------------------------
# Evidence: recognised by content


@pytest.mark.parametrize("content", ["这不是录音,只是文字。".encode() * 20,
                                     b"ID3 is how this text begins, nothing more " * 5])
def test_CMP6_a_text_file_named_mp3_is_refused_on_file(world, content):
    callback = make_callback(world)
    with pytest.raises(ValidationFailed) as refused:
        callback_evidence_add(callback=callback, actor=world.users["agent"],
                              upload=upload("回访录音.mp3", content))
    assert set(refused.value.errors) == {"file"}
    assert not CallbackEvidence.objects.exists()
    assert not list(evidence_dir().glob(f"callbacks/{callback.pk}/*"))


def test_CMP6_an_mp3_with_its_id3_tag_is_kept_as_a_recording(world):
    evidence = callback_evidence_add(callback=make_callback(world), actor=world.users["agent"],
                                     upload=upload("call.mp3", mp3_bytes()))
    assert (evidence.kind, evidence.content_type) == ("recording", "audio/mpeg")
    assert evidence.file.name.endswith(".mp3")


def test_CMP6_a_real_wav_is_kept_as_a_recording_under_the_content_hash(world):
    callback = make_callback(world)
    content = wav_bytes()
    evidence = callback_evidence_add(callback=callback, actor=world.users["agent"],
                                     upload=upload("recording.bin", content))
    assert (evidence.kind, evidence.content_type, evidence.size) == ("recording", "audio/wav", len(content))
    assert evidence.original_name == "recording.bin" and evidence.uploaded_by == world.users["agent"]
    stored = evidence_dir() / evidence.file.name
    assert stored.read_bytes() == content
    assert evidence.file.name == f"callbacks/{callback.pk}/{evidence.sha256}.wav"
    assert Path(settings.STATIC_ROOT) not in stored.parents  # never among the static files


@pytest.mark.parametrize(("name", "content", "content_type"), [
    ("签字确认.png", png_bytes(), "image/png"), ("签字确认.pdf", pdf_bytes(), "application/pdf"),
    ("scan.jpg", jpeg_bytes(), "image/jpeg"), ("签字.mp3", png_bytes(), "image/png")])  # the content decides
def test_CMP6_images_and_pdfs_are_kept_as_signed_confirmations(world, name, content, content_type):
    evidence = callback_evidence_add(callback=make_callback(world), actor=world.users["agent"],
                                     upload=upload(name, content))
    assert (evidence.kind, evidence.content_type) == ("signature", content_type)


def test_CMP6_a_file_over_the_size_limit_or_empty_is_refused_on_file(world, settings):
    settings.SERVICEDESK_EVIDENCE_MAX_BYTES = 1000
    callback = make_callback(world)
    for content in (wav_bytes(1.0), b""):
        with pytest.raises(ValidationFailed) as refused:
            attach(world, callback, "a.wav", content)
        assert set(refused.value.errors) == {"file"}
    small = wav_bytes(0.01)
    assert len(small) < 1000
    callback_evidence_add(callback=callback, actor=world.users["agent"], upload=upload("a.wav", small))


def test_CMP6_the_same_file_twice_on_one_callback_is_refused(world):
    callback = make_callback(world)
    attach(world, callback, "a.wav", wav_bytes())
    with pytest.raises(ValidationFailed) as refused:
        attach(world, callback, "b.wav", wav_bytes())
    assert set(refused.value.errors) == {"file"}
    assert CallbackEvidence.objects.count() == 1


@pytest.mark.parametrize("persona",
                         ["key_account_manager", "provider_a_staff", "customer_user", "dispatcher"])
def test_CMP6_evidence_is_attached_only_by_who_may_record_the_callback(world, persona):
    callback = make_callback(world)  # assigned to "agent"
    with pytest.raises(ActionNotAllowed):
        attach(world, callback, "a.wav", wav_bytes(), persona)
    assert not CallbackEvidence.objects.exists()
    attach(world, callback, "a.wav", wav_bytes(), "team_lead")


# ----------------------------------------------------------------------------------------------
# API


def post_file(world, persona, callback_id, name, content, **headers):
    client = as_(world, persona)
    return client.client.post(f"{BASE}/callbacks/{callback_id}/evidence", {"file": upload(name, content)},
                              **client.headers, **headers)


def test_CMP6_api_completes_a_result_callback_with_the_opinion(world):
    callback = make_callback(world)
    agent = as_(world, "agent")
    missing = agent.post(f"/callbacks/{callback.pk}/complete", {"reached": True, "result": "已告知"})
    assert missing.status_code == 422 and set(error_of(missing)["fields"]) == {"satisfaction"}
    bad = agent.post(f"/callbacks/{callback.pk}/complete", {"reached": True, "satisfaction": "great"})
    assert bad.status_code == 422 and "satisfaction" in error_of(bad)["fields"]
    done = agent.post(f"/callbacks/{callback.pk}/complete", {"reached": True, "satisfaction": "very_poor",
                                                             "satisfaction_comment": "还是不满意"})
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["kind"], body["status"], body["satisfaction"], body["satisfaction_comment"]) == (
        "result", "done", "very_poor", "还是不满意")


def test_CMP6_api_uploads_evidence_and_lists_it_on_the_callback(world):
    callback = make_callback(world)
    response = post_file(world, "agent", callback.pk, "录音.wav", wav_bytes())
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["kind"], body["content_type"]) == ("recording", "audio/wav")
    assert body["original_name"] == "录音.wav"
    assert body["download"] == f"{BASE}/callbacks/{callback.pk}/evidence/{body['id']}"
    listed = as_(world, "agent").get(f"/callbacks/{callback.pk}").json()
    assert [e["id"] for e in listed["evidence"]] == [body["id"]]
    listed = as_(world, "agent").get("/callbacks").json()["results"]
    assert listed[0]["evidence"][0]["size"] == len(wav_bytes())


def test_CMP6_api_upload_errors_name_the_file(world):
    callback = make_callback(world)
    text = post_file(world, "agent", callback.pk, "reply.mp3", b"just text, not a recording " * 10)
    assert text.status_code == 422 and set(error_of(text)["fields"]) == {"file"}
    client = as_(world, "agent")
    missing = client.client.post(f"{BASE}/callbacks/{callback.pk}/evidence", {}, **client.headers)
    assert missing.status_code == 422 and "file" in error_of(missing)["fields"]
    assert not CallbackEvidence.objects.exists()


def test_CMP6_api_upload_retried_with_the_same_key_attaches_once(world):
    callback = make_callback(world)
    first = post_file(world, "agent", callback.pk, "a.png", png_bytes(), HTTP_IDEMPOTENCY_KEY="upload-1")
    again = post_file(world, "agent", callback.pk, "a.png", png_bytes(), HTTP_IDEMPOTENCY_KEY="upload-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
    other = post_file(world, "agent", callback.pk, "a.png", pdf_bytes(), HTTP_IDEMPOTENCY_KEY="upload-1")
    assert other.status_code == 422 and "Idempotency-Key" in error_of(other)["fields"]
    assert CallbackEvidence.objects.count() == 1


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "outsider", "dispatcher"])
def test_CMP6_api_upload_is_refused_to_roles_that_do_not_call_customers(world, persona):
    callback = make_callback(world)
    assert post_file(world, persona, callback.pk, "a.wav", wav_bytes()).status_code == 403
    assert post_file(world, "key_account_manager", callback.pk, "a.wav", wav_bytes()).status_code == 404
    assert not CallbackEvidence.objects.exists()


@pytest.fixture
def recorded(world):
    callback = make_callback(world)
    return callback_evidence_add(callback=callback, actor=world.users["agent"],
                                 upload=upload("回访录音.wav", wav_bytes()))


@pytest.mark.parametrize("persona", ["agent", "team_lead", "desk_manager", "leadership", "supervisor",
                                     "key_account_manager", "administrator"])
def test_CMP6_api_download_is_open_to_who_reads_every_request(world, recorded, persona):
    response = as_(world, persona).get(f"/callbacks/{recorded.callback_id}/evidence/{recorded.pk}")
    assert response.status_code == 200
    assert response["Content-Type"] == "audio/wav"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == wav_bytes()


@pytest.mark.parametrize("persona", ["provider_a_staff", "provider_b_staff", "customer_user",
                                     "other_customer_user", "outsider", "finance", "dispatcher"])
def test_CMP6_api_download_is_refused_to_providers_customers_and_outsiders(world, recorded, persona):
    response = as_(world, persona).get(f"/callbacks/{recorded.callback_id}/evidence/{recorded.pk}")
    assert response.status_code == 404 and error_of(response)["code"] == "not_found"


def test_CMP6_api_download_needs_sign_in_and_the_right_callback(world, recorded):
    assert Client().get(f"{BASE}/callbacks/{recorded.callback_id}/evidence/{recorded.pk}").status_code == 401
    other = make_callback(world)
    assert as_(world, "agent").get(f"/callbacks/{other.pk}/evidence/{recorded.pk}").status_code == 404


def test_CMP6_the_assignee_downloads_without_reading_every_request(world, recorded):
    """A dispatcher who was given the callback (an unusual but possible assignment) may hear it."""
    Callback.objects.filter(pk=recorded.callback_id).update(assigned_to=world.users["dispatcher"])
    response = as_(world, "dispatcher").get(f"/callbacks/{recorded.callback_id}/evidence/{recorded.pk}")
    assert response.status_code == 200


def test_CMP6_openapi_documents_the_upload_and_the_download():
    document = api.get_openapi_schema(path_prefix=f"{BASE}/")
    upload_operation = document["paths"][f"{BASE}/callbacks/{{callback_id}}/evidence"]["post"]
    form = upload_operation["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert "file" in form.get("required", []) or "file" in str(form)
    assert {"201", "403", "404", "422"} <= set(map(str, upload_operation["responses"]))
    download = document["paths"][f"{BASE}/callbacks/{{callback_id}}/evidence/{{evidence_id}}"]["get"]
    assert {"audio/wav", "image/png", "application/pdf"} <= set(download["responses"][200]["content"])
    assert "**Roles:**" in download["description"]


# ----------------------------------------------------------------------------------------------
# Web: the callbacks page


def test_CMP6_the_agent_records_the_opinion_on_the_callbacks_page(client, world):
    callback = make_callback(world)
    client.force_login(world.users["agent"])
    url = reverse("web:callback_done", args=[callback.pk])
    prefix = f"cb{callback.pk}-"
    refused = client.post(url, {prefix + "reached": "yes", prefix + "result": "已告知"})
    assert refused.status_code == 422
    row = re.search(rf'id="callback-{callback.pk}".*?</tr>', refused.content.decode(), re.S).group(0)
    opinion = re.search(r'<fieldset class="opinion has-error">.*?</fieldset>', row, re.S).group(0)
    assert 'class="error"' in opinion  # the error beside the radio buttons
    page = client.get(reverse("web:callbacks")).content.decode()
    assert "满意" in page and "一般" in page and "很差" in page
    done = client.post(url, {prefix + "reached": "yes", prefix + "satisfaction": "average",
                             prefix + "satisfaction_comment": "还可以"})
    assert done.status_code == 302
    callback.refresh_from_db()
    assert (callback.satisfaction, callback.satisfaction_comment) == ("average", "还可以")
    recent = re.search(r'class="list cards done-list".*?</table>',
                       client.get(reverse("web:callbacks")).content.decode(), re.S).group(0)
    assert "一般" in recent and "还可以" in recent


def test_CMP6_the_agent_uploads_evidence_on_the_callbacks_page_and_downloads_it(client, world):
    callback = make_callback(world)
    client.force_login(world.users["agent"])
    url = reverse("web:callback_evidence", args=[callback.pk])
    field = f"ev{callback.pk}-file"
    refused = client.post(url, {field: upload("reply.mp3", "纯文本".encode() * 50)})
    assert refused.status_code == 422
    evidence_block = re.search(rf'id="evidence-{callback.pk}".*?</form>', refused.content.decode(),
                               re.S).group(0)
    assert 'class="error"' in evidence_block
    assert client.post(url, {field: upload("签字确认.pdf", pdf_bytes())}).status_code == 302
    evidence = CallbackEvidence.objects.get()
    link = reverse("web:callback_evidence_file", args=[evidence.pk])
    page = client.get(reverse("web:callbacks")).content.decode()
    assert link in page and "签字确认.pdf" in page
    response = client.get(link)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == pdf_bytes()


@pytest.mark.parametrize("persona", ["provider_a_staff", "customer_user", "outsider", "dispatcher"])
def test_CMP6_web_download_is_refused_to_providers_customers_and_outsiders(client, world, recorded, persona):
    client.force_login(world.users[persona])
    assert client.get(reverse("web:callback_evidence_file", args=[recorded.pk])).status_code == 404
    assert client.post(reverse("web:callback_evidence", args=[recorded.callback_id]),
                       {f"ev{recorded.callback_id}-file": upload("b.png", png_bytes())}).status_code == 403


def test_CMP6_web_download_sends_anonymous_visitors_to_sign_in(client, world, recorded):
    response = client.get(reverse("web:callback_evidence_file", args=[recorded.pk]))
    assert response.status_code == 302 and reverse("web:login") in response["Location"]
