from urllib.parse import urlsplit

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth import service as auth
from portal.outbox.kinds import fill
from portal.outbox.models import EmailText, OutboxEmail
from portal.people.models import Role
from tests.factories import login_as, make_advocate, make_marketer, post_form


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def test_marketer_previews_then_saves_their_wording_and_new_emails_use_it(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    marketer = await make_marketer(session)
    await login_as(client, marketer)
    kinds = _page(await client.get("/manage/emails/"))
    assert "Invitation" in kinds.get_text()
    form = {
        "subject": "{inviter} saved you a seat at {program_name}",
        "intro": "We'd love your voice.",
    }
    preview = await post_form(client, "/manage/emails/invitation", {**form, "action": "preview"})
    page = _page(preview)
    assert (
        page.select_one("#preview-subject").get_text()
        == "Maya Patel saved you a seat at Acme Advocates"
    )
    assert "We'd love your voice." in page.select_one("#preview-text").get_text()
    frame = await client.get(page.select_one("iframe.email-frame")["src"])
    assert "We&#39;d love your voice." in frame.text
    assert "frame-ancestors 'self'" in frame.headers["content-security-policy"]
    assert "script-src" not in frame.headers["content-security-policy"]

    saved = await post_form(client, "/manage/emails/invitation", {**form, "action": "save"})
    assert saved.status_code == 303
    await auth.invite(
        session,
        inviter=marketer,
        email="new@example.com",
        display_name="Nia",
        roles=[Role.ADVOCATE],
    )
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == "new@example.com")
    )
    assert email.subject == "Maya Marketer saved you a seat at Advocate Portal"
    assert "We'd love your voice." in email.text_body


async def test_subject_placeholders_cannot_reach_into_objects() -> None:
    context = {"name": "Ada", "expires_at": object()}
    assert fill("Hi {name} {expires_at.__class__} {missing} {", context) == (
        "Hi Ada {expires_at.__class__} {missing} {"
    )


async def test_advocates_are_kept_out_of_the_email_wording(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/emails/invitation")).status_code == 403


async def test_unknown_kind_is_404(client: httpx.AsyncClient, session: AsyncSession) -> None:
    await login_as(client, await make_marketer(session))
    assert (await client.get("/manage/emails/no-such-email")).status_code == 404


def test_every_email_template_is_listed_in_manage_emails_and_previews() -> None:
    from portal.config import ROOT
    from portal.outbox.kinds import KINDS
    from portal.outbox.texts import preview

    templates = {path.stem for path in (ROOT / "templates" / "emails").glob("[!_]*.txt")}
    assert templates == set(KINDS)
    for kind in KINDS.values():
        shown = preview(kind, subject="", intro="Our own words.")
        assert "Our own words." in shown.text
        assert "Our own words." in shown.html


async def test_a_subject_with_a_line_break_is_refused_and_the_form_keeps_what_was_typed(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    typed = {"subject": "Hello\r\nBcc: all@example.com", "intro": "Our words.", "action": "save"}
    refused = await post_form(client, "/manage/emails/invitation", typed)
    assert refused.status_code == 422
    page = _page(refused)
    assert page.select_one("#f-subject-error").get_text() == (
        "Keep the subject on one line: no line breaks."
    )
    assert page.select_one("#f-intro").get_text() == "Our words."
    assert "Bcc: all@example.com" in page.select_one("#f-subject")["value"]
    assert (await client.get("/manage/emails/invitation")).status_code == 200
    assert await session.scalar(select(EmailText.kind)) is None


async def test_a_subject_saved_with_a_line_break_earlier_goes_out_on_one_line(
    session: AsyncSession,
) -> None:
    session.add(EmailText(kind="invitation", subject="Join us\r\nat {program_name}", intro=""))
    marketer = await make_marketer(session)
    await auth.invite(
        session, inviter=marketer, email="new@example.com", display_name="Nia", roles=[]
    )
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == "new@example.com")
    )
    assert email.subject == "Join us at Advocate Portal"


def test_every_kind_whose_link_is_a_token_is_marked_secret() -> None:
    from portal import links
    from portal.outbox.kinds import KINDS, SECRET_LINKS

    for kind in KINDS.values():
        path = urlsplit(kind.sample["link"]).path
        carried = [
            s for s in SECRET_LINKS if path.startswith(links.path_for(s.route, token="x")[:-1])
        ]
        assert carried == ([kind.secret] if kind.secret else []), kind.kind
