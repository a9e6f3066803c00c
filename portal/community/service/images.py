"""Images in posts: an upload goes to content storage (its type decided from its bytes, within
the image size limit) and joins the post as an <img> at our own path, the only kind of image
the sanitizer keeps. Images are served to signed-in members by their unguessable name."""

import html

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.community.models import Image
from portal.errors import NotFound, PortalError
from portal.files.storage import Storage
from portal.files.uploads import FileKind, UnsupportedFile, Upload, UploadTooLarge, save_upload
from portal.i18n import N_, _
from portal.people.models import User
from portal.sanitize import STORED_IMAGE_PATH


class ImageRefused(PortalError):
    status_code = 422
    message = N_("Upload a PNG, JPEG, GIF or WebP image.")


async def store_image(
    session: AsyncSession, *, uploader: User, storage: Storage, upload: Upload, max_bytes: int
) -> Image:
    try:
        saved = await save_upload(
            storage, upload.chunks, filename=upload.filename, max_bytes=max_bytes
        )
    except (UploadTooLarge, UnsupportedFile) as error:
        raise ImageRefused(error.message) from error
    if saved.file_type.kind is not FileKind.IMAGE:
        await storage.delete(saved.stored.name)
        raise ImageRefused(_("Upload a PNG, JPEG, GIF or WebP image."))
    image = Image(
        name=saved.stored.name,
        content_type=saved.file_type.content_type,
        filename=saved.filename,
        uploader_id=uploader.id,
    )
    session.add(image)
    await session.flush()
    return image


def with_image(body: str, image: Image | None, description: str) -> str:
    """The body as typed with the image after it (plain text becomes paragraphs first, as the
    sanitizer would make them, so the image stays its own paragraph)."""
    if image is None:
        return body
    if "<" not in body:
        body = "".join(
            f"<p>{html.escape(paragraph).replace(chr(10), '<br>')}</p>"
            for paragraph in body.replace("\r\n", "\n").split("\n\n")
            if paragraph.strip()
        )
    alt = html.escape(description or image.filename, quote=True)
    return f'{body}<p><img src="{STORED_IMAGE_PATH}{image.name}" alt="{alt}"></p>'


async def image_named(session: AsyncSession, name: str) -> Image:
    image = await session.scalar(select(Image).where(Image.name == name))
    if image is None:
        raise NotFound()
    return image
