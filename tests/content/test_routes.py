import hashlib
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.config import Settings
from portal.content import samples
from portal.content.models import Asset, AssetUse
from portal.files.storage import LocalStorage
from portal.people.models import Group, GroupMember, User
from portal.points import service as points
from portal.points.models import LedgerEntry
from tests.factories import csrf_token, login_as, make_advocate, make_asset, make_marketer


@pytest.fixture
def storage(settings: Settings) -> LocalStorage:
    assert settings.upload_dir is not None
    return LocalStorage(settings.upload_dir)


def files_in(storage: LocalStorage) -> list[Path]:
    return sorted(storage.directory.iterdir()) if storage.directory.exists() else []


async def upload(
    client: httpx.AsyncClient,
    path: str,
    *,
    data: bytes | None,
    filename: str = "fact-sheet.pdf",
    headers: dict[str, str] | None = None,
    **fields: str | list[str],
) -> httpx.Response:
    """A multipart post as the browser sends it: the CSRF token first, the file last."""
    token = await csrf_token(client, "/profile")
    form = {"csrf_token": token, "title": "Fact sheet", "is_published": "on", **fields}
    files = {"file": (filename, data or b"", "application/octet-stream")}
    return await client.post(path, data=form, files=files, headers=headers)


async def test_upload_then_download_round_trips_byte_for_byte(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage, htmx: dict[str, str]
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    data = samples.pdf("Acme platform fact sheet", ["Fast", "Secure", "Loved"])
    response = await upload(
        client,
        "/manage/content/",
        data=data,
        filename="Fact sheet.pdf",
        category="Fact sheets",
        tags="security, platform",
        description="<p>Our <b>one-pager</b><script>x()</script></p>",
        headers=htmx,
    )
    assert response.status_code == (200 if htmx else 303), response.text
    asset = await session.scalar(select(Asset).where(Asset.title == "Fact sheet"))
    assert asset is not None
    assert asset.sha256 == hashlib.sha256(data).hexdigest()
    assert asset.description_html == "<p>Our <b>one-pager</b>x()</p>"
    assert len(files_in(storage)) == 1

    download = await client.get(f"/content/{asset.id}/download")
    assert download.status_code == 200
    assert download.content == data
    assert download.headers["content-type"] == "application/pdf"
    assert download.headers["content-disposition"] == 'attachment; filename="Fact sheet.pdf"'
    assert download.headers["x-content-type-options"] == "nosniff"
    assert download.headers["content-length"] == str(len(data))


async def test_a_pdf_that_is_really_html_is_refused_and_the_form_keeps_its_values(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage, htmx: dict[str, str]
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    response = await upload(
        client,
        "/manage/content/",
        data=b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>",
        filename="brochure.pdf",
        title="Spring brochure",
        category="Brochures",
        headers=htmx,
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert ("<html" in response.text) == (not htmx)
    assert "not a file type we accept" in page.select_one("#f-file-error").text
    assert page.select_one("#f-title")["value"] == "Spring brochure"
    assert page.select_one("#f-category")["value"] == "Brochures"
    assert files_in(storage) == []
    assert await session.scalar(select(func.count()).select_from(Asset)) == 0


async def test_a_form_without_a_title_or_file_says_so(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    await login_as(client, await make_marketer(session))
    response = await upload(client, "/manage/content/", data=None, title="", filename="")
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert page.select_one("#f-title-error")
    assert "Choose a file" in page.select_one("#f-file-error").text
    assert files_in(storage) == []


async def _video(session: AsyncSession, storage: LocalStorage, **kwargs: object) -> Asset:
    marketer = await make_marketer(session)
    return await make_asset(  # type: ignore[no-any-return]
        session,
        storage,
        actor=marketer,
        title="Onboarding video",
        data=samples.training_video(),
        filename="onboarding.webm",
        **kwargs,
    )


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=100-199", 100, 199),
        ("bytes=-50", -50, None),
        ("bytes=2000-", 2000, None),
    ],
)
async def test_videos_answer_ranges_with_206(
    client: httpx.AsyncClient,
    session: AsyncSession,
    storage: LocalStorage,
    header: str,
    start: int,
    end: int | None,
) -> None:
    video = await _video(session, storage)
    await login_as(client, await make_advocate(session))
    data = samples.training_video()
    size = len(data)
    response = await client.get(f"/content/{video.id}/stream", headers={"Range": header})
    assert response.status_code == 206
    expected = data[start : (end + 1 if end is not None else None)]
    assert response.content == expected
    first = start if start >= 0 else size + start
    assert response.headers["content-range"] == f"bytes {first}-{first + len(expected) - 1}/{size}"
    assert response.headers["content-length"] == str(len(expected))
    assert response.headers["accept-ranges"] == "bytes"
    assert response.headers["content-type"] == "video/webm"


@pytest.mark.parametrize(
    "header", ["bytes=999999-", "bytes=50-10", "bytes=abc", "bytes=-0", "items=0-1"]
)
async def test_bad_ranges_answer_416_with_the_size(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage, header: str
) -> None:
    video = await _video(session, storage)
    await login_as(client, await make_advocate(session))
    response = await client.get(f"/content/{video.id}/stream", headers={"Range": header})
    assert response.status_code == 416
    assert response.headers["content-range"] == f"bytes */{len(samples.training_video())}"


async def test_without_a_range_the_whole_video_streams_and_is_not_a_download(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    video = await _video(session, storage)
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    response = await client.get(f"/content/{video.id}/stream")
    assert response.status_code == 200
    assert response.content == samples.training_video()
    assert response.headers["content-disposition"] == 'inline; filename="onboarding.webm"'
    several = await client.get(f"/content/{video.id}/stream", headers={"Range": "bytes=0-1,5-9"})
    assert several.status_code == 200
    assert await session.get(AssetUse, (video.id, advocate.id)) is None


async def test_watching_through_awards_once_and_seeking_to_the_end_earns_nothing(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    video = await _video(session, storage)
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    token = await csrf_token(client, f"/content/{video.id}")
    beacon = {"X-CSRF-Token": token, "HX-Request": "true"}

    async def heartbeat(after: int, start: float, end: float) -> httpx.Response:
        with clock.shifted(timedelta(seconds=after)):
            return await client.post(
                f"/content/{video.id}/progress",
                data={"start": str(start), "end": str(end), "duration": "40"},
                headers=beacon,
            )

    # The old beacon's claim, then a seek to the end: nothing is credited.
    assert "hx-trigger" not in (await heartbeat(0, 0, 0)).headers
    await client.post(f"/content/{video.id}/progress", data={"percent": "100"}, headers=beacon)
    skipped = await heartbeat(1, 39, 40)
    assert "You have watched 2% of it" in skipped.text
    assert (await points.balance_of(session, advocate)).current == 0

    halfway = await heartbeat(10, 0, 10)
    halfway = await heartbeat(20, 10, 20)
    assert halfway.status_code == 200
    assert "hx-trigger" not in halfway.headers
    assert "You have watched 52% of it" in halfway.text
    halfway = await heartbeat(30, 20, 30)
    done = await heartbeat(35, 30, 36)
    assert done.headers["hx-trigger"] == "points-changed"
    status = BeautifulSoup(done.text, "html.parser").select_one("#watch-status")
    assert status is not None
    assert "+25 points" in status.text
    assert "✓ Watched" in status.text
    again = await heartbeat(40, 36, 40)
    assert (again.status_code, again.text) == (204, "")  # the status keeps its message
    assert (await points.balance_of(session, advocate)).current == 25
    page = await client.get(f"/content/{video.id}")
    assert "✓ Watched" in page.text
    plain = await client.post(
        f"/content/{video.id}/progress", data={"start": "x"}, headers={"X-CSRF-Token": token}
    )
    assert plain.status_code == 303


async def test_a_double_click_on_download_awards_the_points_once(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    asset = await make_asset(session, storage, actor=marketer, title="Case study")
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    before = await client.get(f"/content/{asset.id}")
    assert "+10 points the first time" in before.text
    assert (await client.head(f"/content/{asset.id}/download")).status_code == 200
    assert (await points.balance_of(session, advocate)).current == 0  # looking is not using
    for _ in range(2):
        assert (await client.get(f"/content/{asset.id}/download")).status_code == 200
    assert (await points.balance_of(session, advocate)).current == 10
    assert await session.scalar(select(func.count()).where(LedgerEntry.user_id == advocate.id)) == 1
    after = await client.get(f"/content/{asset.id}")
    assert "✓ Downloaded · +10 points earned" in after.text
    status = await client.get(f"/content/{asset.id}", headers={"HX-Request": "true"})
    assert status.text.lstrip().startswith('<div class="actions" id="use-status">')
    assert "✓ Downloaded · +10 points earned" in status.text
    card = await client.get(f"/content/{asset.id}/card")
    assert card.text.lstrip().startswith(f'<article class="asset-card" id="asset-{asset.id}">')
    assert "✓ Used" in card.text
    grid = BeautifulSoup((await client.get("/content/")).text, "html.parser")
    assert "✓ Used" in grid.select_one(f"#asset-{asset.id}").text


async def test_images_open_inline_and_links_redirect_after_counting(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    image = await make_asset(
        session, storage, actor=marketer, data=samples.png(), filename="Logo \N{EN DASH} dark.png"
    )
    link = await make_asset(session, storage, actor=marketer, url="https://acme.example/blog")
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    opened = await client.get(f"/content/{image.id}/download")
    assert opened.status_code == 200
    assert opened.content == samples.png()
    assert opened.headers["content-disposition"] == (
        "inline; filename=\"Logo _ dark.png\"; filename*=UTF-8''Logo%20%E2%80%93%20dark.png"
    )
    followed = await client.get(f"/content/{link.id}/download")
    assert followed.status_code == 303
    assert followed.headers["location"] == "https://acme.example/blog"
    assert (await points.balance_of(session, advocate)).current == 20


async def _group_of(session: AsyncSession, name: str, *members: User) -> Group:
    group = Group(name=name)
    session.add(group)
    await session.flush()
    session.add_all(GroupMember(group_id=group.id, user_id=m.id) for m in members)
    return group


async def test_content_not_targeted_at_the_viewer_is_404_everywhere(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    insider = await make_advocate(session, name="In Sider")
    outsider = await make_advocate(session, name="Out Sider")
    group = await _group_of(session, "Enterprise customers", insider)
    secret = await make_asset(
        session,
        storage,
        actor=marketer,
        title="Enterprise price list",
        data=samples.training_video(),
        filename="pricing.webm",
        group_ids={group.id},
    )
    draft = await make_asset(session, storage, actor=marketer, title="Draft", published=False)
    await login_as(client, outsider)
    assert "Enterprise price list" not in (await client.get("/content/")).text
    token = await csrf_token(client, "/profile")
    for asset in (secret, draft):
        for suffix in ("", "/download", "/stream"):
            assert (await client.get(f"/content/{asset.id}{suffix}")).status_code == 404
        beacon = await client.post(
            f"/content/{asset.id}/progress",
            data={"start": "0", "end": "100", "duration": "100"},
            headers={"X-CSRF-Token": token},
        )
        assert beacon.status_code == 404
    assert (await points.balance_of(session, outsider)).current == 0

    client.cookies.clear()
    await login_as(client, insider)
    assert "Enterprise price list" in (await client.get("/content/")).text
    assert (await client.get(f"/content/{secret.id}/stream")).status_code == 200


async def test_the_library_filters_by_category_tag_and_search(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage, htmx: dict[str, str]
) -> None:
    marketer = await make_marketer(session)
    await make_asset(
        session,
        storage,
        actor=marketer,
        title="Zero trust white paper",
        category="White papers",
        tags=["security"],
    )
    await make_asset(
        session,
        storage,
        actor=marketer,
        title="Retail case study",
        category="Case studies",
        tags=["retail"],
        description="How Harborview cut checkout time",
    )
    await login_as(client, await make_advocate(session))

    async def titles(**params: str) -> list[str]:
        response = await client.get("/content/", params=params, headers=htmx)
        assert response.status_code == 200
        assert ("<html" in response.text) == (not htmx)
        page = BeautifulSoup(response.text, "html.parser")
        assert page.select_one("#content-grid")
        return [a.text for a in page.select(".asset-title a")]

    assert sorted(await titles()) == ["Retail case study", "Zero trust white paper"]
    assert await titles(category="White papers") == ["Zero trust white paper"]
    assert await titles(tag="retail") == ["Retail case study"]
    assert await titles(q="checkout") == ["Retail case study"]
    assert await titles(q="nothing like this") == []
    page = BeautifulSoup((await client.get("/content/")).text, "html.parser")
    assert len(page.select(".new-mark")) == 2
    assert [a.text for a in page.select(".chips a")] == ["All tags", "#retail", "#security"]


async def test_share_pages_set_the_referral_cookie_and_invite_to_the_landing_page(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session, name="Priya Raman")
    asset = await make_asset(
        session, storage, actor=marketer, title="Logo pack", data=samples.png(), filename="logo.png"
    )
    group = await _group_of(session, "Developers", advocate)
    internal = await make_asset(
        session, storage, actor=marketer, title="Internal", group_ids={group.id}
    )
    await login_as(client, advocate)
    detail = BeautifulSoup((await client.get(f"/content/{asset.id}")).text, "html.parser")
    share_url = detail.select_one("#share-url")["value"]
    assert share_url == f"http://portal.test/s/{asset.id}/{advocate.referral_code}"
    assert (await client.get(f"/content/{internal.id}")).status_code == 200
    assert "share-url" not in (await client.get(f"/content/{internal.id}")).text

    client.cookies.clear()
    page = await client.get(f"/s/{asset.id}/{advocate.referral_code}")
    assert page.status_code == 200
    assert "Shared with you by Priya Raman" in page.text
    cookie = next(c for c in page.headers.get_list("set-cookie") if c.startswith("portal_touches="))
    flags = {part.strip().lower() for part in cookie.split(";")}
    assert {"httponly", "samesite=lax", "path=/", "max-age=7776000"} <= flags
    soup = BeautifulSoup(page.text, "html.parser")
    assert soup.find("a", href=f"/r/{advocate.referral_code}")
    image = await client.get(f"/s/{asset.id}/{advocate.referral_code}/file")
    assert image.content == samples.png()

    unknown = await client.get(f"/s/{asset.id}/nobody")
    assert unknown.status_code == 200
    assert not any(c.startswith("portal_touches=") for c in unknown.headers.get_list("set-cookie"))
    assert (await client.get(f"/s/{internal.id}/{advocate.referral_code}")).status_code == 404


async def test_a_marketer_replaces_unpublishes_and_deletes(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage, htmx: dict[str, str]
) -> None:
    marketer = await make_marketer(session)
    advocate = await make_advocate(session)
    asset = await make_asset(session, storage, actor=marketer, title="Fact sheet")
    first_file = asset.storage_name
    await login_as(client, marketer)
    edit = BeautifulSoup((await client.get(f"/manage/content/{asset.id}")).text, "html.parser")
    assert edit.select_one("#f-title")["value"] == "Fact sheet"

    new_data = samples.pdf("Fact sheet 2027")
    response = await upload(
        client,
        f"/manage/content/{asset.id}",
        data=new_data,
        filename="fact-sheet-2027.pdf",
        title="Fact sheet 2027",
        headers=htmx,
    )
    assert response.status_code == (200 if htmx else 303), response.text
    await session.refresh(asset)
    assert (asset.title, asset.original_filename) == ("Fact sheet 2027", "fact-sheet-2027.pdf")
    assert [p.name for p in files_in(storage)] == [asset.storage_name]  # the old file went
    assert first_file != asset.storage_name

    token = await csrf_token(client, "/manage/content/")
    await client.post(
        f"/manage/content/{asset.id}/publish", data={"csrf_token": token, "published": "0"}
    )
    client.cookies.clear()
    await login_as(client, advocate)
    assert (await client.get(f"/content/{asset.id}")).status_code == 404

    client.cookies.clear()
    await login_as(client, marketer)
    token = await csrf_token(client, "/manage/content/")
    deleted = await client.post(f"/manage/content/{asset.id}/delete", data={"csrf_token": token})
    assert deleted.status_code == 303
    assert await session.scalar(select(func.count()).select_from(Asset)) == 0
    assert files_in(storage) == []


async def test_stats_and_csv_export(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    marketer = await make_marketer(session)
    asset = await make_asset(session, storage, actor=marketer, title="=HYPERLINK(evil)")
    advocate = await make_advocate(session)
    await login_as(client, advocate)
    await client.get(f"/content/{asset.id}/download")
    await client.get(f"/content/{asset.id}/download")
    client.cookies.clear()
    await login_as(client, marketer)
    page = BeautifulSoup((await client.get("/manage/content/")).text, "html.parser")
    cells = [td.text.strip() for td in page.select(f"#asset-row-{asset.id} td.num")]
    assert cells == ["10", "2", "1", "\N{EN DASH}"]
    export = await client.get("/manage/content/export.csv")
    assert export.headers["content-type"].startswith("text/csv")
    lines = export.text.splitlines()
    assert lines[0].startswith("\ufeffid,title,kind,category")  # a BOM for spreadsheet programs
    assert lines[1].startswith(
        f"{asset.id},'=HYPERLINK(evil),document,Fact sheets,,yes,10,2,1,0,10,"
    )


async def test_an_upload_over_the_limit_is_refused_and_leaves_nothing(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage, settings: Settings
) -> None:
    settings.max_upload_mb = 1
    await login_as(client, await make_marketer(session))
    pdf = samples.pdf("Big") + b"%" * (1024 * 1024)
    near = await upload(client, "/manage/content/", data=pdf, title="Slightly too big")
    assert near.status_code == 422
    page = BeautifulSoup(near.text, "html.parser")
    assert "larger than the limit of 1 MB" in page.select_one("#f-file-error").text
    assert page.select_one("#f-title")["value"] == "Slightly too big"
    far = await upload(client, "/manage/content/", data=pdf * 3, title="Far too big")
    assert far.status_code == 413
    assert "larger than the limit of 1 MB. Nothing was saved." in far.text
    assert files_in(storage) == []
    assert await session.scalar(select(func.count()).select_from(Asset)) == 0


async def test_a_visit_to_a_share_page_counts_as_a_click_on_the_advocates_link(
    client: httpx.AsyncClient, session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.referrals.models import ReferralClick

    marketer = await make_marketer(session)
    sharer = await make_advocate(session, name="Sharer")
    asset = await make_asset(session, storage, actor=marketer)
    page = await client.get(f"/s/{asset.id}/{sharer.referral_code}")
    assert page.status_code == 200
    await client.get(f"/s/{asset.id}/{sharer.referral_code}/file")
    clicks = await session.scalar(
        select(func.count()).where(ReferralClick.referrer_id == sharer.id)
    )
    assert clicks == 1
    assert client.cookies.get("portal_touches")
