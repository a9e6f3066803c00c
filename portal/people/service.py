"""People lookups every layer above needs: a person for staff pages, an advocate by referral
code, the groups a targeting picker offers (who is signed in: portal.people.sessions)."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from portal.errors import NotFound
from portal.people.models import Group, ProfileField, User, UserStatus

REFERRAL_CODE_LENGTH = 16  # the column's width: longer codes cannot exist


async def access_user(session: AsyncSession, user_id: int) -> User:
    """A person with their roles, for staff pages about them; `NotFound` if there is none."""
    user = await session.scalar(
        select(User).where(User.id == user_id).options(selectinload(User.roles))
    )
    if user is None:
        raise NotFound()
    return user


async def get_advocate_for_code(session: AsyncSession, code: str) -> User | None:
    """The active person whose personal referral link carries `code`."""
    if not code or len(code) > REFERRAL_CODE_LENGTH:
        return None
    return await session.scalar(
        select(User).where(User.referral_code == code, User.status == UserStatus.ACTIVE)
    )


async def list_groups(session: AsyncSession) -> list[Group]:
    return list(await session.scalars(select(Group).order_by(Group.name)))


async def list_profile_fields(session: AsyncSession) -> list[ProfileField]:
    return list(
        await session.scalars(select(ProfileField).order_by(ProfileField.position, ProfileField.id))
    )
