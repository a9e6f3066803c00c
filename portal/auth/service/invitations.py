"""Ending a person's open invitations, for whichever reason they end."""

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import Invitation
from portal.clock import utcnow
from portal.people.models import User


async def close_open_invitations(session: AsyncSession, user: User, *, accepted: bool) -> None:
    """Accepted: the person proved the address another way (single sign-on). Otherwise revoked:
    a fresh link replaces the old ones."""
    ended = {Invitation.accepted_at if accepted else Invitation.revoked_at: utcnow()}
    await session.execute(
        update(Invitation)
        .where(
            Invitation.user_id == user.id,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
        )
        .values(ended)
        .execution_options(synchronize_session=False)
    )
