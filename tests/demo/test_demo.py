from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

import portal.models  # noqa: F401  (every table in the metadata)
from portal.db import Base
from portal.demo import ADVOCATES, STAFF, seed_session
from portal.files.storage import LocalStorage
from portal.people.models import Group, User, UserStatus
from portal.program import service as program


async def _rows_per_table(session: AsyncSession) -> dict[str, int]:
    counts = {}
    for table in Base.metadata.sorted_tables:
        counts[table.name] = await session.scalar(select(func.count()).select_from(table)) or 0
    return counts


async def test_demo_data_is_believable_and_seeding_twice_adds_nothing(
    session: AsyncSession, storage: LocalStorage
) -> None:
    before = await _rows_per_table(session)
    files = sorted(path.name for path in storage.directory.iterdir())

    logins = await seed_session(session, storage=storage)

    assert await _rows_per_table(session) == before
    assert sorted(path.name for path in storage.directory.iterdir()) == files
    # plus one open invitation, four from the Invite many list and Priya's recruit
    assert before["users"] == len(STAFF) + len(ADVOCATES) + 1 + 4 + 1
    assert len(ADVOCATES) >= 12
    assert {email for _, email in logins} >= {"admin@acme.example", "sales@acme.example"}
    assert (await program.load(session)).program_name == "Acme Advocates"
    assert await session.scalar(select(func.count()).select_from(Group)) == 3 + 3  # 3 segments
    invited = await session.scalar(select(func.count()).where(User.status == UserStatus.INVITED))
    assert invited == 1 + 4
    await _demo_messages_show_every_status_and_their_counts(session)


async def test_demo_invites_a_list_fills_its_segments_and_shares_a_join_link(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.auth import service as auth
    from portal.auth.models import BulkInvite, BulkInviteStatus
    from portal.groups import service as groups

    bulk = await session.scalar(select(BulkInvite))
    assert bulk is not None
    assert bulk.status == BulkInviteStatus.DONE
    progress = await auth.progress_of(session, bulk)
    assert (progress.invited, progress.invalid) == (4, 1)
    rows = {row.group.name: row.members for row in await groups.groups_with_counts(session)}
    assert rows["Rising stars"] > 0
    assert rows["Ready to refer"] > 0
    assert rows["EMEA promoters"] == 3  # rules on the Region and NPS profile fields
    developers = await session.scalar(select(Group).where(Group.name == "Developers"))
    assert developers is not None
    assert developers.join_code


async def _demo_messages_show_every_status_and_their_counts(session: AsyncSession) -> None:
    """Three templates, two sent broadcasts with opens and clicks, the quarterly review and a
    meetup invitation to a saved People view scheduled (checked after the second seeding,
    which added none)."""
    from portal.messages import library, reading
    from portal.messages.models import Audience, Broadcast, BroadcastPerson, BroadcastStatus

    names = [t.name for t in await library.list_templates(session)]
    assert names == ["Ad-hoc alert", "Monthly newsletter", "Quarterly review"]
    broadcasts = list(await session.scalars(select(Broadcast).order_by(Broadcast.id)))
    assert [b.status for b in broadcasts] == [
        BroadcastStatus.SENT,
        BroadcastStatus.SENT,
        BroadcastStatus.SCHEDULED,
        BroadcastStatus.SCHEDULED,
    ]
    meetup = broadcasts[-1]
    assert meetup.audience == Audience.PEOPLE
    assert meetup.audience_note == "the saved view “EMEA, most recently active”"
    chosen = select(func.count()).where(BroadcastPerson.broadcast_id == meetup.id)
    assert await session.scalar(chosen) == 6  # the EMEA advocates
    stats = await reading.stats_of(session, broadcasts)
    newsletter, alert, *_ = (stats[b.id] for b in broadcasts)
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

    entries = await session.scalar(select(func.count()).select_from(LedgerEntry))
    week = await points.leaderboard(session, period=Period.WEEK)
    all_time = await points.leaderboard(session, period=Period.ALL_TIME)
    assert len(all_time.rows) >= 10
    assert week.rows[0].name != all_time.rows[0].name  # the board moved this week
    assert await points.reconcile_balances(session) == []
    assert await session.scalar(select(func.count()).select_from(LedgerEntry)) == entries


async def test_demo_points_expire_and_one_advocates_expire_within_days(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.clock import utcnow
    from portal.points import service as points

    assert (await points.load_rules(session)).expire_after_months == 2
    people = {u.email: u for u in await session.scalars(select(User))}
    now = utcnow()
    # Hana's first 10 points, of 59 days ago, are her oldest and unspent; Priya and Jonas spent
    # their October points on rewards (oldest first), so nothing of theirs expires this month.
    hana = await points.expiring_soon(session, people["hana.sato@kumo.example"], now=now)
    assert hana is not None
    assert hana.points == 10
    assert -1 <= (hana.on - now.date()).days <= 3  # two months after a day 59 days ago
    for spent in ("priya.raman@northwind.example", "jonas.berg@fjordtech.example"):
        assert await points.expiring_soon(session, people[spent], now=now) is None


async def test_demo_rescored_the_champion_bonus_once(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.points.models import EntryKind, LedgerEntry, RescoreRun

    runs = list(await session.scalars(select(RescoreRun)))
    assert [(run.status, run.done > 0) for run in runs] == [("done", True)]
    adjusted = await session.scalar(
        select(func.count()).where(
            LedgerEntry.kind == EntryKind.ADJUST,
            LedgerEntry.idempotency_key.startswith(f"rescore:{runs[0].id}:"),
        )
    )
    assert adjusted == runs[0].done


async def test_demo_rewards_cover_every_kind_and_status(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.rewards.models import Redemption, Reward

    kinds = set(await session.scalars(select(Reward.kind)))
    statuses = set(await session.scalars(select(Redemption.status)))
    assert kinds == {"physical", "gift_card", "code", "donation", "experience"}
    assert statuses == {"requested", "approved", "fulfilled", "rejected"}
    for reward in await session.scalars(select(Reward)):  # a picture each, in the real storage
        assert reward.image_type == "image/jpeg", reward.title
        assert reward.image_name is not None
        assert await storage.exists(reward.image_name)
    redemptions = await session.scalar(select(func.count()).select_from(Redemption))
    assert await session.scalar(select(func.count()).select_from(Redemption)) == redemptions


async def test_demo_badges_name_icons_of_the_set(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.icons import BADGE_ICONS
    from portal.points.models import Badge

    icons = {badge.name: badge.icon for badge in await session.scalars(select(Badge))}
    assert set(icons.values()) <= set(BADGE_ICONS)
    assert icons["Deal maker"] == "trophy"  # the seeded emoji 🏆, migrated by 0026


async def test_demo_referrals_fill_every_stage_and_reseeding_adds_nothing(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.points import service as points
    from portal.referrals.models import Referral, ReferralEvent, Source, Stage

    stages = set(await session.scalars(select(Referral.stage)))
    assert stages == set(Stage)
    referrers = await session.scalar(select(func.count(func.distinct(Referral.referrer_id))))
    assert referrers >= 8
    assert await session.scalar(select(func.count()).where(Referral.flags != "")) >= 1
    # A prospect phoned in with Priya's personal code; the rep entered it.
    by_code = await session.scalar(
        select(Referral).where(
            Referral.source == Source.CODE,
            Referral.prospect_email == "elena.duarte@altamar.example",
        )
    )
    assert by_code is not None
    referrer = await session.get(User, by_code.referrer_id)
    assert referrer is not None
    assert referrer.email == "priya.raman@northwind.example"
    counts = [
        await session.scalar(select(func.count()).select_from(model))
        for model in (Referral, ReferralEvent)
    ]
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
    from portal.advocacy.models import EventType, RecordedEvent
    from portal.challenges.models import Challenge, Submission
    from portal.community import settings as community_settings
    from portal.content.models import Asset
    from portal.points.models import EntryKind, EntryState, LedgerEntry
    from portal.points.service.tiers import multiplied
    from portal.referrals import service as referrals
    from portal.referrals.models import Referral, Stage
    from portal.referrals.service.origins import campaign_of

    config = await referrals.load_settings(session)
    community_points = await community_settings.load_settings(session)
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
            balance += row.delta if row.state == EntryState.POSTED else 0  # pending: nothing
            assert row.balance_after == balance, (email, row.reason)
            if row.kind != EntryKind.AWARD:
                continue
            if row.original_id is not None:  # a release pays what the pending entry said
                expected = (await session.get(LedgerEntry, row.original_id)).delta
            elif row.source_type == "asset":
                expected = (await session.get(Asset, row.source_id)).points
            elif row.source_type == "submission":
                submission = await session.get(Submission, row.source_id)
                expected = (await session.get(Challenge, submission.challenge_id)).points
            elif row.source_type == "advocacy_event":
                recorded = await session.get(RecordedEvent, row.source_id)
                expected = (await session.get(EventType, recorded.event_type_id)).points
            elif row.source_type == "community_post":  # community:<action>:...
                action = row.idempotency_key.split(":")[1]
                expected = getattr(community_points, f"points_{action}")
            elif row.source_type == "recruit":  # recruit:<id>:<joined or milestone>:<level>
                _, _, trigger, level = row.idempotency_key.split(":")
                expected = config.recruit_bonus(int(level), milestone=trigger == "milestone")
            else:
                assert row.source_type == "referral", (email, row.reason)  # nothing made up
                stage = Stage(row.idempotency_key.rsplit(":", 1)[1])
                referral = await session.get(Referral, row.source_id)
                campaign = await campaign_of(session, referral)  # its bonus comes with the stage
                expected = config.points_for(stage) + (campaign.bonus_for(stage) if campaign else 0)
            if row.original_id is None and row.multiplier_percent:  # a level's earn bonus
                expected = multiplied(expected, row.multiplier_percent)
            assert row.delta == expected, (email, row.reason)


async def test_demo_has_crm_history_imported_and_a_webhook_endpoint_for_the_local_receiver(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.points.models import LedgerEntry
    from portal.referrals.models import Referral
    from portal.webhooks.models import WebhookDelivery, WebhookEndpoint

    [endpoint] = await session.scalars(select(WebhookEndpoint))
    assert endpoint.url == "http://127.0.0.1:8765/webhooks"
    assert len(endpoint.subscribed) == 10
    waiting = await session.scalars(select(WebhookDelivery.event_type))
    assert list(waiting) == ["webhook.test"]  # the history before it sent nothing
    imported = await session.execute(
        select(Referral.external_id, Referral.stage, Referral.id)
        .where(Referral.source == "import")
        .order_by(Referral.external_id)
    )
    rows = imported.all()
    assert [(external_id, stage) for external_id, stage, _ in rows] == [
        ("CRM-0042", "won"),
        ("CRM-0057", "opportunity"),
    ]
    paid = await session.scalar(
        select(func.count()).where(
            LedgerEntry.source_type == "referral",
            LedgerEntry.source_id.in_([referral_id for _, _, referral_id in rows]),
        )
    )
    assert paid == 0  # imported as history


async def test_demo_has_an_api_token_event_types_and_crm_stage_names(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.advocacy.models import EventType, RecordedEvent
    from portal.api_tokens import service as tokens
    from portal.api_tokens.demo import DEMO_API_SECRET
    from portal.referrals import service as referrals
    from portal.referrals.models import Stage

    token = await tokens.authenticate(session, DEMO_API_SECRET, address_hash="")
    assert token is not None
    assert token.secret_hash != DEMO_API_SECRET
    assert len(list(await session.scalars(select(EventType)))) == 3
    assert await session.scalar(select(func.count()).select_from(RecordedEvent)) == 6
    assert await referrals.stage_named(session, "Closed Won") == Stage.WON


async def test_demo_profile_fields_are_answered_and_saved_views_filter_by_them(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.directory import query
    from portal.directory.filters import PeopleFilter, Sort
    from portal.directory.models import SavedView
    from portal.people.models import ProfileField, ProfileValue

    labels = list(await session.scalars(select(ProfileField.label).order_by(ProfileField.id)))
    assert labels == ["Region", "Industry", "Customer since", "NPS"]
    answered = await session.scalar(
        select(func.count(func.distinct(ProfileValue.user_id))).select_from(ProfileValue)
    )
    # The advocates, and the four invited from the pasted list with their regions.
    assert answered == len(ADVOCATES) + 4
    views = list(await session.scalars(select(SavedView).order_by(SavedView.name)))
    assert [view.name for view in views] == ["EMEA, most recently active", "Top earners"]
    region = await session.scalar(select(ProfileField.id).where(ProfileField.label == "Region"))
    assert region is not None
    emea = await query.list_people(
        session, PeopleFilter(fields=((region, "EMEA"),), sort=Sort.ACTIVITY, descending=True)
    )
    assert emea.total == 9  # six advocates and three invited with an opening balance
    assert all(row.last_activity is not None for row in emea.items)


async def test_demo_has_a_friends_pool_and_an_advocate_priya_brought_in(
    session: AsyncSession, storage: LocalStorage
) -> None:
    from portal.outbox.models import OutboxEmail
    from portal.points.models import LedgerEntry
    from portal.referrals import service as referrals
    from portal.referrals.models import Referral
    from portal.rewards.models import FriendGift, Reward

    pool = await session.scalar(select(Reward).where(Reward.for_referred_friends.is_(True)))
    assert pool is not None
    assert not pool.is_active  # not in the advocates' catalog
    priya = await session.scalar(select(User).where(User.email == "priya.raman@northwind.example"))
    assert priya is not None
    [noah] = [recruit.user for recruit in await referrals.people_brought_in(session, priya)]
    assert noah.display_name == "Noah Wilson"
    assert noah.status == UserStatus.ACTIVE
    bonuses = await session.scalars(
        select(LedgerEntry.delta)
        .where(LedgerEntry.user_id == priya.id, LedgerEntry.source_type == "recruit")
        .order_by(LedgerEntry.id)
    )
    assert list(bonuses) == [100, 500]  # he joined; his first referral was won
    friend = await session.scalar(
        select(Referral.id).where(Referral.prospect_email == "mei.tanaka@kitehill.example")
    )
    gift = await session.scalar(select(FriendGift).where(FriendGift.referral_id == friend))
    assert gift is not None
    assert gift.code is not None
    assert gift.code.startswith("WELCOME-")
    email = await session.scalar(
        select(OutboxEmail).where(OutboxEmail.to_address == "mei.tanaka@kitehill.example")
    )
    assert email is not None
    assert gift.code in email.text_body
