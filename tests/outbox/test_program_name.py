"""The program's name reaches every email from one place: queue_email adds it (and the tagline)
to the context, and fills the kind's default subject when the caller gives none."""

from sqlalchemy.ext.asyncio import AsyncSession

from portal.outbox import service as outbox
from portal.outbox.kinds import KINDS, fill
from portal.program import service as program
from tests.factories import make_advocate


async def test_every_email_kind_names_the_program(session: AsyncSession) -> None:
    await program.update(
        session, actor=None, program_name="Zephyr Advocates", tagline="Ride the wind."
    )
    advocate = await make_advocate(session)
    for kind in KINDS.values():
        context = {k: v for k, v in kind.sample.items() if k not in ("program_name", "tagline")}
        email = await outbox.queue_email(
            session, to=advocate.email, user_id=advocate.id, kind=kind.kind, context=context
        )
        assert email is not None
        assert "Zephyr Advocates" in email.text_body, kind.kind
        assert "Zephyr Advocates" in email.html_body, kind.kind
        named = {**context, "program_name": "Zephyr Advocates"}
        assert email.subject == fill(kind.default_subject, named), kind.kind


async def test_a_name_changed_in_the_transaction_is_the_one_emails_use(
    session: AsyncSession,
) -> None:
    advocate = await make_advocate(session)
    kind = KINDS["signup_approved"]
    before = await outbox.queue_email(
        session, to=advocate.email, kind=kind.kind, context={"name": "Ada", "link": "x"}
    )
    await program.update(session, actor=None, program_name="Zephyr Advocates")
    after = await outbox.queue_email(
        session, to=advocate.email, kind=kind.kind, context={"name": "Ada", "link": "x"}
    )
    assert before is not None
    assert after is not None
    assert before.subject == "Welcome to Advocate Portal: you're in"
    assert after.subject == "Welcome to Zephyr Advocates: you're in"
