"""Message templates: the program's recurring messages (a monthly newsletter, a quarterly
review, an alert), each a subject and body a new broadcast starts from."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit import service as audit
from portal.errors import NotFound
from portal.i18n import N_
from portal.messages.models import MessageTemplate
from portal.messages.service import InvalidBroadcast, check_message
from portal.people.models import User


async def list_templates(session: AsyncSession) -> list[MessageTemplate]:
    return list(await session.scalars(select(MessageTemplate).order_by(MessageTemplate.name)))


async def access_template(session: AsyncSession, template_id: int) -> MessageTemplate:
    template = await session.get(MessageTemplate, template_id)
    if template is None:
        raise NotFound()
    return template


async def save_template(
    session: AsyncSession,
    *,
    staff: User,
    name: str,
    subject: str,
    body: str,
    template_id: int | None = None,
) -> MessageTemplate:
    """Creates a template, or changes the one with `template_id`; names are unique."""
    name = " ".join(name.split())
    if not name:
        raise InvalidBroadcast("name", N_("Give the template a name."))
    if len(name) > 100:
        raise InvalidBroadcast("name", N_("Keep the name under 100 characters."))
    subject, body_html = check_message(subject, body)
    taken = await session.scalar(
        select(MessageTemplate.id).where(
            func.lower(MessageTemplate.name) == name.lower(), MessageTemplate.id != template_id
        )
    )
    if taken is not None:
        raise InvalidBroadcast("name", f"There is already a template called {name}.")
    if template_id is None:
        template = MessageTemplate(name=name, subject=subject, body_html=body_html)
        session.add(template)
    else:
        template = await access_template(session, template_id)
        template.name, template.subject, template.body_html = name, subject, body_html
    await session.flush()
    await audit.record(
        session,
        actor=staff,
        action="messages.template_saved",
        target_type="message_template",
        target_id=template.id,
        summary=f"Message template “{name}” saved",
    )
    return template
