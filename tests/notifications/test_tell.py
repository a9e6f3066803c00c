"""notifications.tell: the bell and the email for one piece of news, pointing at one page."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.notifications import service as notifications
from portal.notifications.models import Notification
from portal.outbox import preferences
from portal.outbox.models import EmailCategory, OutboxEmail
from portal.people.models import User
from tests.factories import make_advocate


async def _tell_referral_news(session: AsyncSession, user: User) -> None:
    await notifications.tell(
        session,
        user,
        kind="referral_moved",
        title="Your referral Grace Hopper is qualified",
        body="You earned 200 points.",
        route="referrals:detail",
        params={"referral_id": 7},
        category=EmailCategory.REFERRALS,
        email_context={
            "prospect": "Grace Hopper",
            "news": "is qualified",
            "stage": "Qualified",
            "points": 200,
        },
    )


async def test_the_bell_links_to_the_page_and_the_email_to_its_full_address(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session, name="Ada Byron")
    await _tell_referral_news(session, advocate)
    bell = await session.scalar(select(Notification).where(Notification.user_id == advocate.id))
    assert bell is not None
    assert (bell.kind, bell.link) == ("referral_moved", "/referrals/7")
    assert bell.title == "Your referral Grace Hopper is qualified"
    email = await session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == advocate.id))
    assert email is not None
    assert email.kind == "referral_moved"
    assert email.subject == "Your referral Grace Hopper moved to Qualified"
    assert "Ada Byron" in email.text_body
    assert "http://portal.test/referrals/7" in email.text_body


async def test_someone_who_switched_the_category_off_still_sees_the_bell(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    await preferences.save_preferences(session, user=advocate, wanted=set())
    await _tell_referral_news(session, advocate)
    assert await session.scalar(select(Notification).where(Notification.user_id == advocate.id))
    assert not await session.scalar(select(OutboxEmail).where(OutboxEmail.user_id == advocate.id))
