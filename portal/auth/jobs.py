"""Housekeeping for signing in: old login failures and ended sessions, and invitation
follow-ups (in the invited person's morning)."""

from arq import cron, func

from portal import zones
from portal.auth import service
from portal.clock import utcnow
from portal.jobs import JobContext, unit_of_work


async def send_password_reset(ctx: JobContext, *, email: str, signing_up: bool = False) -> None:
    async with unit_of_work(ctx) as session:
        await service.request_password_reset(session, email=email, signing_up=signing_up)


async def forget_old_login_failures(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.forget_old_login_failures(session)


async def forget_ended_sessions(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.forget_ended_sessions(session)


async def remind_unaccepted_invitations(ctx: JobContext) -> int:
    """Hourly: the people whose clock shows the send hour get their reminder."""
    now = utcnow()
    async with unit_of_work(ctx) as session:
        return await service.remind_unaccepted_invitations(
            session, send_hour_zones=zones.zones_in_hour(now)
        )


async def invite_next_batch(ctx: JobContext, bulk_invite_id: int) -> int:
    async with unit_of_work(ctx) as session:
        return await service.invite_next_batch(session, bulk_invite_id=bulk_invite_id)


async def resume_stalled_bulk_invites(ctx: JobContext) -> int:
    async with unit_of_work(ctx) as session:
        return await service.resume_stalled_bulk_invites(session)


FUNCTIONS = [func(send_password_reset, max_tries=3), func(invite_next_batch, max_tries=5)]
CRON_JOBS = [
    cron(forget_old_login_failures, hour={3}, minute={15}),
    cron(forget_ended_sessions, hour={3}, minute={25}),
    cron(remind_unaccepted_invitations, minute={5}),
    cron(resume_stalled_bulk_invites, minute={3, 13, 23, 33, 43, 53}),
]
