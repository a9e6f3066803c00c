"""Segment rules on custom profile fields: text equals and contains, a choice, a number
compared, a date before or after; typed values checked as the field's answers are; the
members follow a change of a person's answers."""

import httpx
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.jobs import take_pending
from portal.people import fields as answers
from portal.people.models import FieldKind, Group, GroupMember, ProfileField, User
from portal.people.segment_rules import Rule, RuleKind
from portal.segments import service as segments
from tests.factories import login_as, make_advocate, make_marketer, post_form


async def _field(session: AsyncSession, label: str, kind: FieldKind, choices: str = "") -> int:
    field = ProfileField(label=label, kind=kind, choices=choices)
    session.add(field)
    await session.flush()
    return field.id


async def _person(session: AsyncSession, name: str, given: dict[int, str]) -> User:
    person = await make_advocate(session, name=name)
    await answers.save_answers(session, user=person, answers=given)
    return person


async def _matching(session: AsyncSession, *rules: Rule) -> set[str]:
    preview = await segments.preview(session, list(rules))
    return {person.display_name for person in preview.people}


async def test_each_kind_of_field_rule_matches_on_the_answers(session: AsyncSession) -> None:
    industry = await _field(session, "Industry", FieldKind.TEXT)
    region = await _field(session, "Region", FieldKind.CHOICE, "EMEA\nAmericas")
    nps = await _field(session, "NPS", FieldKind.NUMBER)
    since = await _field(session, "Customer since", FieldKind.DATE)
    await _person(
        session, "Ana", {industry: "Retail banking", region: "EMEA", nps: "9", since: "2019-05-01"}
    )
    await _person(
        session, "Ben", {industry: "retail", region: "Americas", nps: "10", since: "2023-02-01"}
    )
    await _person(session, "Cy", {industry: "Logistics", region: "EMEA", nps: "-3"})
    await make_advocate(session, name="Dee")  # answered nothing

    def on(kind: RuleKind, field_id: int, value: str, *, exclude: bool = False) -> Rule:
        return Rule(kind, value, exclude, field_id, "field")

    assert await _matching(session, on(RuleKind.FIELD_EQUALS, industry, "RETAIL")) == {"Ben"}
    assert await _matching(session, on(RuleKind.FIELD_CONTAINS, industry, "retail")) == {
        "Ana",
        "Ben",
    }
    assert await _matching(session, on(RuleKind.FIELD_IS, region, "EMEA")) == {"Ana", "Cy"}
    # Numbers compare as numbers ("10" is not below "9"), negatives included.
    assert await _matching(session, on(RuleKind.FIELD_AT_LEAST, nps, "9")) == {"Ana", "Ben"}
    assert await _matching(session, on(RuleKind.FIELD_AT_MOST, nps, "0")) == {"Cy"}
    assert await _matching(session, on(RuleKind.FIELD_BEFORE, since, "2020-01-01")) == {"Ana"}
    assert await _matching(session, on(RuleKind.FIELD_AFTER, since, "2020-01-01")) == {"Ben"}
    # Exclude wins, and someone without an answer is never excluded by it.
    everyone_but_emea = await _matching(
        session,
        Rule(RuleKind.JOINED_WITHIN, "30"),
        on(RuleKind.FIELD_IS, region, "EMEA", exclude=True),
    )
    assert everyone_but_emea == {"Ben", "Dee"}


async def test_a_marketer_builds_a_segment_on_a_field_and_it_follows_changed_answers(
    client: httpx.AsyncClient, session: AsyncSession
) -> None:
    nps = await _field(session, "NPS", FieldKind.NUMBER)
    region = await _field(session, "Region", FieldKind.CHOICE, "EMEA\nAmericas")
    fan = await _person(session, "Fan Fiona", {nps: "10"})
    await _person(session, "Critic Carl", {nps: "4"})
    await login_as(client, await make_marketer(session))

    page = BeautifulSoup((await client.get("/manage/segments/new")).text, "html.parser")
    offered = {o.get_text() for o in page.select("#f-rule-0-kind optgroup option")}
    assert offered == {"NPS is at least", "NPS is at most", "Region is"}

    bad = await post_form(
        client,
        "/manage/segments/new",
        {
            "name": "Promoters",
            "rule-0-kind": f"field_at_least:{nps}",
            "rule-0-value": "nine",
            "rule-1-kind": f"field_is:{region}",
            "rule-1-value": "Asia",
            "action": "save",
        },
    )
    assert bad.status_code == 422
    page = BeautifulSoup(bad.text, "html.parser")
    assert page.select_one("#f-rule-0-value-error").get_text() == "Enter a whole number."
    assert page.select_one("#f-rule-1-value-error").get_text() == "Choose one of the options."
    assert page.select_one("#f-rule-0-value")["value"] == "nine"
    assert page.select_one(f"#f-rule-0-kind option[value='field_at_least:{nps}']").has_attr(
        "selected"
    )

    form = {
        "name": "Promoters",
        "rule-0-kind": f"field_at_least:{nps}",
        "rule-0-value": "9",
        "rule-0-mode": "include",
    }
    previewed = await post_form(client, "/manage/segments/new", {**form, "action": "preview"})
    page = BeautifulSoup(previewed.text, "html.parser")
    assert page.select_one("#segment-count").get_text() == "1"
    assert "Fan Fiona" in page.select_one("#segment-preview").get_text()
    saved = await post_form(client, "/manage/segments/new", {**form, "action": "save"})
    assert saved.status_code == 303
    detail = BeautifulSoup((await client.get(saved.headers["location"])).text, "html.parser")
    assert "NPS is at least 9" in detail.select_one("#segment-rules").get_text()
    assert detail.select_one(f"#member-{fan.id}") is not None
    edit = BeautifulSoup(
        (await client.get(saved.headers["location"].replace("/groups/", "/segments/"))).text,
        "html.parser",
    )
    chosen = edit.select_one("#f-rule-0-kind option[selected]")
    assert chosen is not None
    assert chosen["value"] == f"field_at_least:{nps}"

    # Fiona's answer changes: her segments are refreshed after the commit.
    take_pending(session)
    await answers.save_answers(session, user=fan, answers={nps: "6"})
    refreshes = [job for job in take_pending(session) if job.name == "refresh_person_segments"]
    assert [job.kwargs for job in refreshes] == [{"user_id": fan.id}]
    await segments.refresh_person(session, user_id=fan.id)
    group = await session.scalar(select(Group).where(Group.name == "Promoters"))
    assert group is not None
    members = await session.scalars(
        select(GroupMember.user_id).where(GroupMember.group_id == group.id)
    )
    assert list(members) == []
