from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.people.models import Group, GroupMember
from portal.points import service as points
from portal.points.models import Period
from tests.factories import make_advocate, make_marketer


async def _earn(session: AsyncSession, user, amount: int, key: str) -> None:
    await points.award(session, user, points=amount, reason="r", key=f"{key}:{user.id}")


async def test_all_time_board_orders_by_lifetime_with_shared_ranks_for_ties(
    session: AsyncSession,
) -> None:
    ann = await make_advocate(session, name="Ann")
    bob = await make_advocate(session, name="Bob")
    cat = await make_advocate(session, name="Cat")
    await _earn(session, ann, 300, "a")
    await _earn(session, bob, 500, "b")
    await _earn(session, cat, 300, "c")
    await points.spend(session, bob, points=400, reason="Mug", key="spend:bob")  # lifetime stays
    board = await points.leaderboard(session, period=Period.ALL_TIME, viewer=cat)
    assert [(r.rank, r.name, r.points) for r in board.rows] == [
        (1, "Bob", 500),
        (2, "Ann", 300),
        (2, "Cat", 300),
    ]
    assert board.viewer_row.rank == 2


async def test_the_viewer_sees_their_own_row_when_outside_the_top(session: AsyncSession) -> None:
    leaders = [await make_advocate(session, name=f"Leader {n}") for n in range(3)]
    for n, leader in enumerate(leaders):
        await _earn(session, leader, 1_000 + n, "lead")
    me = await make_advocate(session, name="Me")
    await _earn(session, me, 10, "me")
    board = await points.leaderboard(session, period=Period.ALL_TIME, viewer=me, limit=2)
    assert [r.name for r in board.rows] == ["Leader 2", "Leader 1"]
    assert board.viewer_outside_top
    assert (board.viewer_row.rank, board.viewer_row.points) == (4, 10)


async def test_weekly_and_monthly_boards_count_only_this_period(session: AsyncSession) -> None:
    old = await make_advocate(session, name="Old Timer")
    new = await make_advocate(session, name="Newcomer")
    with clock.shifted(-timedelta(days=40)):
        await _earn(session, old, 5_000, "old")
    await _earn(session, new, 50, "new")
    week = await points.leaderboard(session, period=Period.WEEK)
    month = await points.leaderboard(session, period=Period.MONTH)
    assert [r.name for r in week.rows] == ["Newcomer"]
    assert [r.name for r in month.rows] == ["Newcomer"]
    all_time = await points.leaderboard(session, period=Period.ALL_TIME)
    assert [r.name for r in all_time.rows] == ["Old Timer", "Newcomer"]


async def test_staff_are_left_out_when_the_program_says_so(session: AsyncSession) -> None:
    marketer = await make_marketer(session, name="Staffer")
    advocate = await make_advocate(session, name="Customer")
    await _earn(session, marketer, 900, "s")
    await _earn(session, advocate, 100, "c")
    without = await points.leaderboard(session, period=Period.ALL_TIME, viewer=marketer)
    assert [r.name for r in without.rows] == ["Customer"]
    assert without.viewer_row is None
    with_staff = await points.leaderboard(session, period=Period.ALL_TIME, exclude_staff=False)
    assert [r.name for r in with_staff.rows] == ["Staffer", "Customer"]


async def test_a_group_board_ranks_only_its_members(session: AsyncSession) -> None:
    inside = await make_advocate(session, name="Inside")
    outside = await make_advocate(session, name="Outside")
    await _earn(session, inside, 10, "i")
    await _earn(session, outside, 1_000, "o")
    group = Group(name="EMEA")
    session.add(group)
    await session.flush()
    session.add(GroupMember(group_id=group.id, user_id=inside.id))
    await session.flush()
    board = await points.leaderboard(session, period=Period.MONTH, group_id=group.id, viewer=inside)
    assert [(r.rank, r.name) for r in board.rows] == [(1, "Inside")]
    assert await points.rank_of(session, inside, period=Period.MONTH, group_id=group.id) == (1, 10)


async def test_rank_skips_staff_and_inactive_people_ahead(session: AsyncSession) -> None:
    from portal.people.models import UserStatus

    staff = await make_marketer(session, name="Staffer")
    gone = await make_advocate(session, name="Suspended One")
    ahead = await make_advocate(session, name="Really Ahead")
    me = await make_advocate(session, name="Me")
    for user, amount in ((staff, 900), (gone, 800), (ahead, 700), (me, 100)):
        await _earn(session, user, amount, "x")
    gone.status = UserStatus.SUSPENDED
    await session.flush()
    for period in (Period.WEEK, Period.MONTH, Period.ALL_TIME):
        assert await points.rank_of(session, me, period=period) == (2, 100)
        assert await points.rank_of(session, me, period=period, exclude_staff=False) == (3, 100)


async def test_an_advocate_hidden_from_boards_shows_as_an_advocate_and_still_counts(
    session: AsyncSession,
) -> None:
    shy = await make_advocate(session, name="Shy Person", company="Initech")
    shy.hide_from_boards = True
    other = await make_advocate(session, name="Other")
    await _earn(session, shy, 500, "s")
    await _earn(session, other, 300, "o")
    board = await points.leaderboard(session, period=Period.ALL_TIME, viewer=other)
    assert [(r.rank, r.name, r.company, r.points) for r in board.rows] == [
        (1, "An advocate", "", 500),
        (2, "Other", "", 300),
    ]
    assert board.viewer_row.rank == 2  # still counted ahead of the viewer
    own = await points.leaderboard(session, period=Period.ALL_TIME, viewer=shy)
    assert own.rows[0].name == "Shy Person"  # people see themselves
