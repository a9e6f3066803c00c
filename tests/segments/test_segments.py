"""Segments: groups whose rules choose their members, kept in step on change and by a job."""

from datetime import timedelta

import httpx
import pytest
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.groups import service as groups
from portal.people.models import Group, GroupMember, Role
from portal.people.segment_rules import Rule, RuleKind
from portal.points import service as points
from portal.referrals import service as referrals
from portal.referrals.models import Stage
from portal.rewards import service as rewards
from portal.segments import service as segments
from tests.factories import (
    give_points,
    login_as,
    make_advocate,
    make_marketer,
    make_referral,
    make_reward,
    post_form,
)


def _page(response: httpx.Response) -> BeautifulSoup:
    return BeautifulSoup(response.text, "html.parser")


async def _members(session: AsyncSession, group: Group) -> set[int]:
    return set(
        await session.scalars(select(GroupMember.user_id).where(GroupMember.group_id == group.id))
    )


async def test_include_rules_all_match_and_an_exclude_rule_wins(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    keen = await make_advocate(session, company="Acme Corp")
    await give_points(session, keen, 300)
    poor = await make_advocate(session, company="ACME")
    await give_points(session, poor, 50)
    elsewhere = await make_advocate(session, company="Globex")
    await give_points(session, elsewhere, 900)
    excluded = await make_advocate(session, company="Acme", job_title="Intern")
    await give_points(session, excluded, 500)
    rules = [
        Rule(RuleKind.COMPANY, "acme"),
        Rule(RuleKind.LIFETIME_POINTS, "100"),
        Rule(RuleKind.JOB_TITLE, "intern", exclude=True),
    ]
    preview = await segments.preview(session, rules)
    assert (preview.count, [p.id for p in preview.people]) == (1, [keen.id])
    segment = await segments.save_segment(
        session, staff=marketer, group=None, name="Keen at Acme", description="", rules=rules
    )
    assert segment.is_dynamic
    assert await _members(session, segment) == {keen.id}

    await give_points(session, poor, 100)
    await segments.refresh_person(session, user_id=poor.id)
    assert await _members(session, segment) == {keen.id, poor.id}


async def test_activity_joined_and_referral_rules(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    quiet = await make_advocate(session)
    referrer = await make_advocate(session)
    await give_points(session, referrer, 10)
    referral = await make_referral(session, referrer)
    await session.refresh(referral, ["referrer"])
    await referrals.move_referral(session, referral, to=Stage.WON, actor=marketer)

    async def matched(*rules: Rule) -> set[int]:
        preview = await segments.preview(session, list(rules))
        return {p.id for p in preview.people} & {quiet.id, referrer.id}

    assert await matched(Rule(RuleKind.NEVER_REFERRED, "")) == {quiet.id}
    assert await matched(Rule(RuleKind.REFERRALS_WON, "1")) == {referrer.id}
    assert await matched(Rule(RuleKind.EARNED_WITHIN, "30")) == {referrer.id}
    assert await matched(Rule(RuleKind.QUIET_FOR, "30")) == {quiet.id}
    assert await matched(Rule(RuleKind.JOINED_WITHIN, "7")) == {quiet.id, referrer.id}
    assert await matched(Rule(RuleKind.ROLE, Role.ADVOCATE.value)) == {quiet.id, referrer.id}
    assert await matched(Rule(RuleKind.LEVEL, "Advocate")) == {referrer.id}
    tomorrow = (clock.utcnow() + timedelta(days=1)).date().isoformat()
    assert await matched(Rule(RuleKind.JOINED_BEFORE, tomorrow)) == {quiet.id, referrer.id}
    assert await matched(Rule(RuleKind.JOINED_BEFORE, "2020-01-01")) == set()

    segment = await segments.save_segment(
        session,
        staff=marketer,
        group=None,
        name="Never referred",
        description="",
        rules=[Rule(RuleKind.NEVER_REFERRED, "")],
    )
    assert quiet.id in await _members(session, segment)
    await make_referral(session, quiet)
    assert await segments.refresh_all_segments(session) == 1
    assert quiet.id not in await _members(session, segment)


async def test_a_reward_targeted_at_a_segment_shows_to_its_members_only(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    insider = await make_advocate(session, company="Initech")
    outsider = await make_advocate(session, company="Hooli")
    segment = await segments.save_segment(
        session,
        staff=marketer,
        group=None,
        name="Initech",
        description="",
        rules=[Rule(RuleKind.COMPANY, "initech")],
    )
    reward = await make_reward(session, group_ids=frozenset({segment.id}))
    assert [i.reward.id for i in await rewards.catalog(session, viewer=insider)] == [reward.id]
    assert await rewards.catalog(session, viewer=outsider) == []
    with pytest.raises(groups.SegmentMembers):
        await groups.add_members(session, staff=marketer, group=segment, users=[outsider])
    assert await _members(session, segment) == {insider.id}


async def test_a_marketer_previews_then_saves_a_segment_and_sees_its_members(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    ada = await make_advocate(session, name="Ada Acme", company="Acme")
    await make_advocate(session, name="Bob Globex", company="Globex")
    await login_as(client, await make_marketer(session))
    form = {
        "name": "Acme people",
        "rule-0-kind": "company",
        "rule-0-value": "acme",
        "rule-0-mode": "include",
    }
    previewed = await post_form(client, "/manage/segments/new", {**form, "action": "preview"})
    assert previewed.status_code == 200
    page = _page(previewed)
    assert page.select_one("#segment-count").get_text() == "1"
    assert "Ada Acme" in page.select_one("#segment-preview").get_text()
    assert page.select_one("#f-rule-0-value")["value"] == "acme"
    assert await session.scalar(select(Group.id)) is None

    saved = await post_form(client, "/manage/segments/new", {**form, "action": "save"})
    assert saved.status_code == 303
    detail = _page(await client.get(saved.headers["location"]))
    assert detail.select_one(f"#member-{ada.id}") is not None
    assert "1" in detail.select_one("#members .count").get_text()
    assert "Company contains acme" in detail.select_one("#segment-rules").get_text()


async def test_a_bad_rule_value_keeps_the_form_and_names_the_problem(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_marketer(session))
    bad = await post_form(
        client,
        "/manage/segments/new",
        {
            "name": "Big earners",
            "rule-0-kind": "lifetime_points",
            "rule-0-value": "lots",
            "rule-1-kind": "level",
            "rule-1-value": "Grandmaster",
            "rule-2-kind": "earned_within",
            "rule-2-value": "1000000",
            "action": "save",
        },
    )
    assert bad.status_code == 422
    page = _page(bad)
    assert "whole number" in page.select_one("#f-rule-0-value-error").get_text()
    assert "Use one of the levels: Insider" in page.select_one("#f-rule-1-value-error").get_text()
    assert "at most 36,500" in page.select_one("#f-rule-2-value-error").get_text()
    assert page.select_one("#f-rule-0-value")["value"] == "lots"
    only_exclude = await post_form(
        client,
        "/manage/segments/new",
        {"name": "X", "rule-0-kind": "never_referred", "rule-0-mode": "exclude", "action": "save"},
    )
    assert only_exclude.status_code == 422
    assert (
        "at least one rule that includes"
        in _page(only_exclude).select_one(".form-error").get_text()
    )
    assert await session.scalar(select(Group.id)) is None


async def test_advocates_get_403_on_segments(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    await login_as(client, await make_advocate(session))
    assert (await client.get("/manage/segments/new")).status_code == 403


async def test_a_level_rule_counts_a_floor_level(session: AsyncSession) -> None:
    marketer = await make_marketer(session)
    kept = await make_advocate(session)
    await give_points(session, kept, 40)
    below = await make_advocate(session)
    await give_points(session, below, 600)
    levels = {level.name: level for level in await points.list_levels(session)}
    await points.set_floor(
        session, actor=marketer, person=kept, level_id=levels["Champion"].id, note=""
    )

    async def matched(level: str) -> set[int]:
        preview = await segments.preview(session, [Rule(RuleKind.LEVEL, level)])
        return {p.id for p in preview.people} & {kept.id, below.id}

    assert await matched("Champion") == {kept.id}
    assert await matched("Advocate") == {kept.id, below.id}
    assert await matched("Legend") == set()
