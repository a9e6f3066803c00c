import httpx
from bs4 import BeautifulSoup
from sqlalchemy.ext.asyncio import AsyncSession

from tests.factories import PASSWORD, login_as, make_advocate, post_form


async def test_profile_saves_name_company_and_title(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    user = await make_advocate(session, name="Old Name")
    await login_as(client, user)
    response = await post_form(
        client,
        "/profile",
        {"display_name": "Ada Byron", "company": "Analytical Engines", "job_title": "Analyst"},
        headers=htmx,
    )
    if htmx:
        assert response.status_code == 200
        assert response.headers["HX-Redirect"].endswith("/profile")
    else:
        assert response.status_code == 303
    page = BeautifulSoup((await client.get("/profile")).text, "html.parser")
    assert page.select_one("#f-display_name")["value"] == "Ada Byron"
    assert page.select_one("#f-company")["value"] == "Analytical Engines"
    assert "Your profile is saved." in page.select_one("#flashes").get_text()
    assert page.select_one(".usermenu .avatar").get_text(strip=True) == "AB"


async def test_profile_errors_keep_the_input_and_save_nothing(
    client: httpx.AsyncClient, session: AsyncSession, htmx: dict[str, str]
) -> None:
    user = await make_advocate(session, name="Kept Name")
    await login_as(client, user)
    response = await post_form(
        client,
        "/profile",
        {"display_name": "", "company": "x" * 201, "job_title": "CEO"},
        headers=htmx,
    )
    assert response.status_code == 422
    page = BeautifulSoup(response.text, "html.parser")
    assert (page.find("html") is None) == bool(htmx)  # htmx gets only the form
    form = page.select_one("#profile-form")
    assert form.select_one("#f-job_title")["value"] == "CEO"
    assert "Tell us what to call you." in form.select_one("#f-display_name-error").get_text()
    assert "at most 200" in form.select_one("#f-company-error").get_text()
    await session.refresh(user)
    assert user.display_name == "Kept Name"
    assert user.job_title == ""


async def test_changing_the_password_keeps_this_session_and_ends_the_others(
    app, client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session)
    await login_as(client, user)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://portal.test"
    ) as other_device:
        await login_as(other_device, user)
        wrong = await post_form(
            client,
            "/profile/password",
            {
                "current_password": "not it",
                "new_password": "new long password",
                "new_password_confirm": "new long password",
            },
        )
        assert wrong.status_code == 422
        assert (
            "not correct"
            in BeautifulSoup(wrong.text, "html.parser")
            .select_one("#f-current_password-error")
            .get_text()
        )
        changed = await post_form(
            client,
            "/profile/password",
            {
                "current_password": PASSWORD,
                "new_password": "new long password",
                "new_password_confirm": "new long password",
            },
        )
        assert changed.status_code == 303
        assert (await client.get("/profile")).status_code == 200
        assert (await other_device.get("/profile")).status_code == 303


async def test_profile_needs_a_signed_in_user(client: httpx.AsyncClient) -> None:
    response = await client.get("/profile")
    assert response.status_code == 303
    assert response.headers["location"] == "http://portal.test/login?next=%2Fprofile"


async def test_a_picture_replaces_the_initials_and_only_images_are_taken(
    client: httpx.AsyncClient, session: AsyncSession, settings
) -> None:
    from portal.content import samples
    from tests.factories import csrf_token

    user = await make_advocate(session, name="Ada Byron")
    await login_as(client, user)

    async def upload(name: str, data: bytes, kind: str) -> httpx.Response:
        token = await csrf_token(client, "/profile")
        return await client.post(
            "/profile/avatar", files={"csrf_token": (None, token), "avatar": (name, data, kind)}
        )

    refused = await upload("me.pdf", samples.pdf("not me"), "application/pdf")
    follow = BeautifulSoup((await client.get(refused.headers["location"])).text, "html.parser")
    assert "is not an image" in follow.select_one("#flashes").get_text()
    assert list(settings.upload_dir.glob("*")) == []

    await upload("me.png", samples.png(), "image/png")
    page = BeautifulSoup((await client.get("/profile")).text, "html.parser")
    picture = page.select_one(".usermenu img.avatar")
    served = await client.get(picture["src"])
    assert served.headers["content-type"] == "image/png"
    assert served.content == samples.png()

    token = await csrf_token(client, "/profile")
    await client.post("/profile/avatar", data={"csrf_token": token, "remove": "1"})
    page = BeautifulSoup((await client.get("/profile")).text, "html.parser")
    assert page.select_one(".usermenu .avatar").get_text(strip=True) == "AB"
    assert (await client.get(picture["src"])).status_code == 404


async def test_the_profile_keeps_the_feed_and_leaderboard_choices(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    user = await make_advocate(session, name="Ada")
    await login_as(client, user)
    await post_form(
        client,
        "/profile",
        {"display_name": "Ada", "show_in_feed": "on", "hide_from_boards": "on"},
    )
    page = BeautifulSoup((await client.get("/profile")).text, "html.parser")
    assert page.select_one("input[name=show_in_feed]").has_attr("checked")
    assert page.select_one("input[name=hide_from_boards]").has_attr("checked")
    await session.refresh(user)
    assert (user.show_in_feed, user.hide_from_boards) == (True, True)
    await post_form(client, "/profile", {"display_name": "Ada", "show_in_feed": "on"})
    await session.refresh(user)
    assert (user.show_in_feed, user.hide_from_boards) == (True, False)
