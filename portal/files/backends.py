"""Which storage the settings name: the S3-compatible store of STORAGE_URL, else the directory
UPLOAD_DIR. One S3 client per process and store (boto3's clients are thread-safe and keep
their connections)."""

from functools import cache
from urllib.parse import urlsplit

from portal.config import Settings
from portal.files.s3 import S3Location, S3Storage
from portal.files.storage import Storage, storage_for


def s3_location(settings: Settings) -> S3Location:
    url = urlsplit(settings.storage_url or "")
    prefix = url.path.strip("/")
    secret = settings.s3_secret_access_key
    return S3Location(
        bucket=url.netloc,
        prefix=f"{prefix}/" if prefix else "",
        endpoint_url=settings.s3_endpoint_url,
        region=settings.s3_region,
        access_key_id=settings.s3_access_key_id,
        secret_access_key=secret.get_secret_value() if secret else None,
    )


@cache
def _s3(location: S3Location) -> S3Storage:
    return S3Storage(location)


def storage_of(settings: Settings) -> Storage:
    if settings.storage_url:
        return _s3(s3_location(settings))
    return storage_for(settings.upload_dir)


def where(settings: Settings) -> str:
    """The storage as a person names it (doctor, readiness)."""
    return settings.storage_url or str(settings.upload_dir)
