"""Signing up through a group's join link: the ordinary open sign-up (its mode decides whether
the account waits for approval), and the new person joins the link's group."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.service.signup import sign_up
from portal.people import service as people
from portal.people.models import User


async def sign_up_through_link(
    session: AsyncSession,
    *,
    join_code: str,
    email: str,
    display_name: str,
    password: str,
    company: str,
    job_title: str,
    answers: dict[int, str] | None = None,
    recruiter_code: str = "",
) -> User | None:
    """As `sign_up`; a code that no longer opens a group signs up without one."""
    user = await sign_up(
        session,
        email=email,
        display_name=display_name,
        password=password,
        company=company,
        job_title=job_title,
        answers=answers,
        recruiter_code=recruiter_code,
    )
    group = await people.get_group_for_join_code(session, join_code)
    if user is not None and group is not None:
        await people.join_groups(session, user_id=user.id, group_ids=[group.id])
    return user
