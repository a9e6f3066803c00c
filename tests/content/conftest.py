from pathlib import Path

import pytest

from portal.files.s3 import S3Location, S3Storage
from portal.files.storage import LocalStorage, Storage
from tests.conftest import S3Server


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


def s3_storage(server: S3Server, bucket: str, prefix: str = "uploads/") -> S3Storage:
    options = server.client_options()
    return S3Storage(
        S3Location(
            bucket=bucket,
            prefix=prefix,
            endpoint_url=options["endpoint_url"],
            region=options["region_name"],
            access_key_id=options["aws_access_key_id"],
            secret_access_key=options["aws_secret_access_key"],
        )
    )


@pytest.fixture(params=["local", "s3"])
def any_storage(request: pytest.FixtureRequest, tmp_path: Path) -> Storage:
    """The storage suite runs on both backends: a directory, and an S3 bucket of its own."""
    if request.param == "local":
        return LocalStorage(tmp_path / "uploads")
    server: S3Server = request.getfixturevalue("s3_server")
    return s3_storage(server, server.new_bucket())
