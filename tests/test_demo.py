from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.demo import ADVOCATES, STAFF, seed_session
from portal.files.storage import LocalStorage
from portal.people.models import Group, User, UserStatus
from portal.program import service as program


@pytest.fixture
def storage(tmp_path: Path) -> LocalStorage:
    return LocalStorage(tmp_path / "uploads")


async def test_demo_data_is_believable_and_seeding_twice_adds_nothing(
    session: AsyncSession, storage: LocalStorage
) -> None:
    logins = await seed_session(session, storage=storage)
    users = await session.scalar(select(func.count()).select_from(User))
    assert users == len(STAFF) + len(ADVOCATES) + 1  # plus one open invitation
    assert len(ADVOCATES) >= 12
    assert {email for _, email in logins} >= {"admin@acme.example", "sales@acme.example"}
    assert (await program.load(session)).program_name == "Acme Advocates"

    await seed_session(session, storage=storage)
    assert await session.scalar(select(func.count()).select_from(User)) == users
    assert await session.scalar(select(func.count()).select_from(Group)) == 3
    invited = await session.scalar(select(func.count()).where(User.status == UserStatus.INVITED))
    assert invited == 1
    await _demo_messages_show_every_status_and_their_counts(session)


async def _demo_messages_show_every_status_and_their_counts(session: AsyncSession) -> None:
    """Three templates, two sent broadcasts with opens and clicks, one scheduled (checked after
    the second seeding, which added none)."""
    from portal.messages import library, reading
    from portal.messages.models import Broadcast, BroadcastStatus

    names = [t.name for t in await library.list_templates(session)]
    assert names == ["Ad-hoc alert", "Monthly newsletter", "Quarterly review"]
    broadcasts = list(await session.scalars(select(Broadcast).order_by(Broadcast.id)))
    assert [b.status for b in broadcasts] == [
        BroadcastStatus.SENT,
        BroadcastStatus.SENT,
        BroadcastStatus.SCHEDULED,
    ]
    stats = await reading.stats_of(session, broadcasts)
    newsletter, alert, _ = (stats[b.id] for b in broadcasts)
    assert newsletter.delivered == newsletter.recipients >= 12
    assert (newsletter.opened, newsletter.clicked) == (4, 1)
    assert (alert.recipients, alert.opened, alert.clicked) == (5, 2, 2)

    from portal.engagement import sequences
    from portal.engagement.models import Sequence

    onboarding = await sequences.steps_of(session, Sequence.ONBOARDING)
    assert [s.days for s in onboarding] == [0, 2, 3, 7, 14, 21]  # day 3: the marketer's own


async def test_demo_points_fill_the_boards_and_reseeding_keeps_the_ledger(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.points import service as points
    from portal.points.models import LedgerEntry, Period

    await seed_session(session, storage=storage)
    entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
    week = await points.leaderboard(session, period=Period.WEEK)
    all_time = await points.leaderboard(session, period=Period.ALL_TIME)
    assert len(all_time.rows) >= 10
    assert week.rows[0].name != all_time.rows[0].name  # the board moved this week
    assert await points.reconcile_balances(session) == []
    await seed_session(session, storage=storage)
    assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == entries


async def test_demo_rewards_cover_every_kind_and_status(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.rewards.models import Redemption, Reward

    await seed_session(session, storage=storage)
    kinds = set(await session.scalars(select(Reward.kind)))
    statuses = set(await session.scalars(select(Redemption.status)))
    assert kinds == {"physical", "gift_card", "code", "donation", "experience"}
    assert statuses == {"requested", "approved", "fulfilled", "rejected"}
    redemptions = await session.scalar(select(func.count()).select_from(Redemption))
    await seed_session(session, storage=storage)
    assert await session.scalar(select(func.count()).select_from(Redemption)) == redemptions


async def test_demo_referrals_fill_every_stage_and_reseeding_adds_nothing(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.points import service as points
    from portal.referrals.models import Referral, ReferralEvent, Stage

    await seed_session(session, storage=storage)
    stages = set(await session.scalars(select(Referral.stage)))
    assert stages == set(Stage)
    referrers = await session.scalar(select(func.count(func.distinct(Referral.referrer_id))))
    assert referrers >= 8
    assert await session.scalar(select(func.count()).where(Referral.flags != "")) >= 1
    counts = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Referral, ReferralEvent)
    ]
    await seed_session(session, storage=storage)
    again = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Referral, ReferralEvent)
    ]
    assert again == counts
    assert await points.reconcile_balances(session) == []


async def test_demo_challenges_cover_every_type_and_fill_the_approval_queue(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.challenges import service as challenges
    from portal.challenges.models import Challenge, ChallengeType, Submission
    from portal.points import service as points

    await seed_session(session, storage=storage)
    types = set(await session.scalars(select(Challenge.type)))
    assert types == set(ChallengeType)
    statuses = set(await session.scalars(select(Submission.status)))
    assert statuses == {"pending", "approved", "rejected"}
    assert len(await challenges.approval_queue(session)) >= 5
    refer = await session.scalar(
        select(func.count())
        .select_from(Submission)
        .join(Challenge, Challenge.id == Submission.challenge_id)
        .where(Challenge.type == ChallengeType.REFER)
    )
    assert refer >= 1  # demo referrals completed the refer challenge
    counts = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Challenge, Submission)
    ]
    await seed_session(session, storage=storage)
    again = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Challenge, Submission)
    ]
    assert again == counts
    assert await points.reconcile_balances(session) == []


async def test_demo_library_has_real_files_targeting_and_used_content(
    session: AsyncSession, storage: LocalStorage
) -> None:
    import filetype

    from portal.content import service as content
    from portal.content.models import Asset, AssetKind, AssetUse
    from portal.points.models import LedgerEntry

    await seed_session(session, storage=storage)
    assets = list(await session.scalars(select(Asset).order_by(Asset.id)))
    kinds = {asset.kind for asset in assets}
    assert kinds == {AssetKind.DOCUMENT, AssetKind.IMAGE, AssetKind.VIDEO, AssetKind.LINK}
    types = {asset.content_type for asset in assets}
    assert {"application/pdf", "text/csv", "application/zip", "image/png", "video/webm"} <= types
    for asset in assets:
        if asset.storage_name:
            head = b"".join([c async for c in storage.read(asset.storage_name, 0, 8191)])
            assert content.detect_type(head, asset.original_filename or "").content_type == (
                asset.content_type
            )
            assert asset.content_type == "text/csv" or filetype.guess(head) is not None
    assert any(not asset.is_published for asset in assets)
    uses = await session.scalar(select(func.count()).select_from(AssetUse))
    content_points = await session.scalar(
        select(func.count()).where(LedgerEntry.source_type == "asset")
    )
    assert uses >= 10
    assert content_points == uses
    files = sorted(p.name for p in storage.directory.iterdir())

    await seed_session(session, storage=storage)
    assert await session.scalar(select(func.count()).select_from(Asset)) == len(assets)
    assert await session.scalar(select(func.count()).select_from(AssetUse)) == uses
    assert sorted(p.name for p in storage.directory.iterdir()) == files

    outsider = next(
        u for u in await session.scalars(select(User)) if u.email == "hana.sato@kumo.example"
    )
    titles = {card.asset.title for card in (await content.library(session, outsider)).cards}
    assert "2027 price list (enterprise)" not in titles
    assert "Acme Platform fact sheet" in titles


async def test_each_demo_ledger_is_a_history_in_time_order_with_real_amounts(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.challenges.models import Challenge, Submission
    from portal.content.models import Asset
    from portal.points.models import EntryKind, LedgerEntry
    from portal.referrals import service as referrals
    from portal.referrals.models import Stage

    await seed_session(session, storage=storage)
    config = await referrals.load_settings(session)
    for email, *_ in ADVOCATES:
        user = await session.scalar(select(User).where(User.email == email))
        assert user is not None
        rows = list(
            await session.scalars(
                select(LedgerEntry).where(LedgerEntry.user_id == user.id).order_by(LedgerEntry.id)
            )
        )
        balance = 0
        for earlier, row in zip([None, *rows], rows, strict=False):
            assert earlier is None or earlier.created_at <= row.created_at, (email, row.reason)
            balance += row.delta
            assert row.balance_after == balance, (email, row.reason)
            if row.kind != EntryKind.AWARD:
                continue
            if row.source_type == "asset":
                expected = (await session.get(Asset, row.source_id)).points
            elif row.source_type == "submission":
                submission = await session.get(Submission, row.source_id)
                expected = (await session.get(Challenge, submission.challenge_id)).points
            else:
                assert row.source_type == "referral", (email, row.reason)  # nothing made up
                expected = config.points_for(Stage(row.idempotency_key.rsplit(":", 1)[1]))
            assert row.delta == expected, (email, row.reason)
