"""upload_image challenges: the photo proof goes through the shared file storage, its
type decided from its bytes, within the image size limit."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from portal.challenges.models import ChallengeType, Submission
from portal.challenges.service.browse import access_challenge
from portal.challenges.service.rules import ImageRefused
from portal.challenges.service.submit import earlier_entry, record_entry
from portal.errors import NotFound
from portal.files.storage import Storage
from portal.files.uploads import FileKind, UnsupportedFile, Upload, UploadTooLarge, save_upload
from portal.i18n import _
from portal.people.models import User


async def submit_image_entry(
    session: AsyncSession,
    *,
    user: User,
    challenge_id: int,
    key: str,
    storage: Storage,
    upload: Upload,
    caption: str,
    max_bytes: int,
) -> Submission:
    """Stores the image, then records the entry like any other; a refused entry (or a double
    submit that finds the first one) leaves no file behind."""
    view = await access_challenge(session, viewer=user, challenge_id=challenge_id)
    if view.challenge.type != ChallengeType.UPLOAD_IMAGE:
        raise NotFound()
    if (earlier := await earlier_entry(session, key, user)) is not None:
        return earlier
    try:
        saved = await save_upload(
            storage, upload.chunks, filename=upload.filename, max_bytes=max_bytes
        )
    except (UploadTooLarge, UnsupportedFile) as error:
        raise ImageRefused(error.message) from error
    if saved.file_type.kind is not FileKind.IMAGE:
        await storage.delete(saved.stored.name)
        raise ImageRefused(_("Upload a photo or a screenshot: a PNG, JPEG, GIF or WebP image."))
    response: dict[str, Any] = {
        "image": saved.stored.name,
        "content_type": saved.file_type.content_type,
        "filename": saved.filename,
        "text": caption,
    }
    try:
        submission = await record_entry(
            session, user=user, challenge=view.challenge, key=key, response=response
        )
    except BaseException:
        await storage.delete(saved.stored.name)
        raise
    if submission.response.get("image") != saved.stored.name:  # the first submit won
        await storage.delete(saved.stored.name)
    return submission
