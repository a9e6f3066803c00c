"""upload_image challenges: the photo goes through the content storage, typed from its bytes."""

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges import service as challenges
from portal.challenges.models import Approval, ChallengeType, Submission, SubmissionStatus
from portal.config import Settings
from portal.content import samples
from portal.files.storage import LocalStorage, storage_for
from tests.factories import csrf_token, login_as, make_advocate, make_challenge, make_marketer


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    return storage_for(settings.upload_dir)


def _stored(storage: LocalStorage) -> list[str]:
    return sorted(p.name for p in storage.directory.glob("*")) if storage.directory.exists() else []


async def _upload(client, challenge_id, data, filename, *, key="k", text="", headers=None):
    token = await csrf_token(client, "/")
    return await client.post(
        f"/challenges/{challenge_id}/entries",
        data={"csrf_token": token, "key": key, "text": text},
        files={"image": (filename, data, "application/octet-stream")} if data else {},
        headers=headers,
    )


async def test_a_photo_entry_is_stored_and_the_marketer_sees_it_in_the_queue(
    client: httpx.AsyncClient,
    session: AsyncSession,
    storage: LocalStorage,
    htmx: dict[str, str],
) -> None:
    advocate = await make_advocate(session, name="Pia Photo")
    challenge = await make_challenge(
        session, type=ChallengeType.UPLOAD_IMAGE, approval=Approval.MANUAL, settings={}
    )
    await login_as(client, advocate)
    photo = samples.png(40, 30)
    done = await _upload(
        client, challenge.id, photo, "booth.png", text="At the booth", headers=htmx
    )
    assert done.status_code == (200 if htmx else 303)
    [entry] = list(await session.scalars(select(Submission)))
    assert entry.status == SubmissionStatus.PENDING
    assert entry.response["content_type"] == "image/png"
    assert entry.response["text"] == "At the booth"
    assert _stored(storage) == [entry.response["image"]]
    again = await _upload(client, challenge.id, photo, "booth.png", text="At the booth")
    assert again.status_code == 303
    assert _stored(storage) == [entry.response["image"]]  # the double submit kept no copy

    client.cookies.clear()
    await login_as(client, await make_marketer(session))
    queue = BeautifulSoup((await client.get("/manage/approvals/")).text, "html.parser")
    image = queue.select_one(f"#submission-{entry.id} img.proof-image")
    assert image["alt"] == "Photo proof from Pia Photo"
    served = await client.get(image["src"])
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/png"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert served.content == photo


async def test_a_file_that_is_not_an_image_is_refused_and_the_caption_is_kept(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    challenge = await make_challenge(session, type=ChallengeType.UPLOAD_IMAGE, settings={})
    await login_as(client, await make_advocate(session))
    missing = await _upload(client, challenge.id, b"", "", text="My photo")
    assert missing.status_code == 422
    page = BeautifulSoup(missing.text, "html.parser")
    assert "Choose a photo" in page.select_one("#f-image-error").get_text()
    assert page.select_one("#f-text")["value"] == "My photo"
    pdf = await _upload(client, challenge.id, samples.pdf("Not a photo"), "photo.pdf")
    assert pdf.status_code == 422
    error = BeautifulSoup(pdf.text, "html.parser").select_one("#f-image-error").get_text()
    assert "PNG, JPEG, GIF or WebP" in error
    renamed = await _upload(client, challenge.id, samples.pdf("Sneaky"), "photo.png")
    assert renamed.status_code == 422
    assert await session.scalar(select(Submission.id)) is None
    assert _stored(storage) == []


async def test_an_image_entry_without_an_image_is_refused_by_the_service(
    session: AsyncSession,
) -> None:
    challenge = await make_challenge(session, type=ChallengeType.UPLOAD_IMAGE, settings={})
    with pytest.raises(challenges.ImageRefused):
        await challenges.submit_entry(
            session,
            user=await make_advocate(session),
            challenge_id=challenge.id,
            key="k",
            response={"text": "no photo"},
        )
