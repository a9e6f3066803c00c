"""“Helpful”: one reaction per person and post. The post's author earns points the first time a
person finds it helpful (never for their own post, never twice for the same person, however
often they take it back and give it again)."""

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from portal.clock import utcnow
from portal.community.models import Post, Reaction
from portal.community.service.badges import Measure, award_participation_badges
from portal.community.service.browse import access_post
from portal.community.service.earning import earn, settings_once
from portal.errors import Conflict
from portal.i18n import N_
from portal.people.models import User
from portal.wording import wording


class OwnPost(Conflict):
    message = N_("That is your own post: others decide whether it helped.")


async def _count(session: AsyncSession, post: Post, change: int) -> None:
    await session.execute(
        update(Post).where(Post.id == post.id).values(helpful_count=Post.helpful_count + change)
    )


async def toggle_helpful(session: AsyncSession, *, viewer: User, post_id: int) -> bool:
    """Marks the post helpful for the viewer, or takes that back; True when it now is."""
    post = await access_post(session, viewer=viewer, post_id=post_id)
    if post.author_id == viewer.id:
        raise OwnPost()
    reaction = await session.get(Reaction, (post.id, viewer.id))
    if reaction is not None:
        reaction.withdrawn_at = None if reaction.withdrawn_at else utcnow()
        await session.flush()
        await _count(session, post, -1 if reaction.withdrawn_at else 1)
        return reaction.withdrawn_at is None
    try:
        async with session.begin_nested():  # a double click: the second finds the first
            session.add(Reaction(post_id=post.id, user_id=viewer.id))
    except IntegrityError:
        return True
    await _count(session, post, 1)
    if post.author is not None:
        await earn(
            session,
            user=post.author,
            amount=(await settings_once(session)).points_helpful,
            reason=wording(N_("%(name)s found your post helpful"), name=viewer.display_name),
            key=f"community:helpful:{post.id}:{viewer.id}",
            post_id=post.id,
        )
        await award_participation_badges(session, post.author, Measure.HELPFUL)
    return True


async def counted_post(session: AsyncSession, *, viewer: User, post_id: int) -> Post:
    """The post with its count as it is now (the toggle counts with an UPDATE statement, which
    the loaded post does not see)."""
    post = await access_post(session, viewer=viewer, post_id=post_id)
    await session.refresh(post, ["helpful_count"])
    return post
