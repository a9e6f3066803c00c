"""/api/v1/advocates: list (or find by email), get, invite (the invitation email goes through the
outbox like one sent from Manage → People), and update profile fields and group membership.
Invitations and group changes are made in the name of the admin who made the token (the audit
log shows both: the admin on the change, the token on the API use)."""

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, EmailStr, Field

from portal.api.framework import Call, operation
from portal.api.problems import ApiProblem, field_problem
from portal.api.schemas import PLAIN, Id, Name, Strict, Text, bounded
from portal.api_tokens.models import Scope
from portal.auth import service as auth
from portal.errors import NotFound
from portal.groups import service as groups
from portal.people import service as people
from portal.people.models import Role, User, UserStatus
from portal.points import service as points


class AdvocateOut(BaseModel):
    id: int
    email: str
    display_name: str
    status: UserStatus
    company: str
    job_title: str
    referral_code: str
    group_ids: list[int]
    points_current: int
    points_lifetime: int
    created_at: datetime


class AdvocateQuery(Strict):
    email: Annotated[str, bounded(320), PLAIN] | None = None
    cursor: Annotated[int, Field(ge=0, le=2_147_483_647)] = 0
    limit: Annotated[int, Field(ge=1, le=100)] = 50


class AdvocatePage(BaseModel):
    items: list[AdvocateOut]
    next_cursor: int | None


class AdvocateInvite(Strict):
    email: EmailStr = Field(max_length=320)
    display_name: Name
    company: Text = ""
    job_title: Text = ""
    group_ids: Annotated[list[Id], Field(max_length=50)] = []


class AdvocateUpdate(Strict):
    display_name: Name | None = None
    company: Text | None = None
    job_title: Text | None = None
    add_to_groups: Annotated[list[Id], Field(max_length=50)] = []
    remove_from_groups: Annotated[list[Id], Field(max_length=50)] = []


async def _out(call: Call[Any, Any], users: list[User]) -> list[AdvocateOut]:
    group_ids = await people.group_ids_of(call.session, users)
    result = []
    for user in users:
        balance = await points.balance_of(call.session, user)
        result.append(
            AdvocateOut(
                id=user.id,
                email=user.email,
                display_name=user.display_name,
                status=UserStatus(user.status),
                company=user.company,
                job_title=user.job_title,
                referral_code=user.referral_code,
                group_ids=group_ids[user.id],
                points_current=balance.current,
                points_lifetime=balance.lifetime,
                created_at=user.created_at,
            )
        )
    return result


async def acting_admin(call: Call[Any, Any]) -> User:
    """The admin who made the token: changes that need a person are made in their name (a token
    whose maker is no longer an active admin is refused before any handler runs)."""
    creator_id = call.token.created_by_id
    assert creator_id is not None  # noqa: S101 (authentication checked it)
    return await people.access_user(call.session, creator_id)


async def _advocate(call: Call[Any, Any]) -> User:
    user = await people.access_user(call.session, call.path("user_id"))
    if not user.has_role(Role.ADVOCATE):
        raise NotFound()
    return user


@operation(
    "GET",
    "/advocates",
    name="list_advocates",
    summary="List advocates, oldest first, or find one by email",
    scope=Scope.ADVOCATES_READ,
    query=AdvocateQuery,
    response=AdvocatePage,
)
async def list_advocates(call: Call[Any, AdvocateQuery]) -> AdvocatePage:
    query = call.query
    rows = await people.list_advocates_after(
        call.session, after_id=query.cursor, limit=query.limit + 1, email=query.email
    )
    page = rows[: query.limit]
    return AdvocatePage(
        items=await _out(call, page),
        next_cursor=page[-1].id if len(rows) > query.limit else None,
    )


@operation(
    "GET",
    "/advocates/{user_id:int}",
    name="get_advocate",
    summary="One advocate with their points and groups",
    scope=Scope.ADVOCATES_READ,
    response=AdvocateOut,
    errors=(404,),
)
async def get_advocate(call: Call[Any, Any]) -> AdvocateOut:
    return (await _out(call, [await _advocate(call)]))[0]


async def _change_groups(
    call: Call[Any, Any], user: User, *, add: list[int], remove: list[int]
) -> None:
    staff = await acting_admin(call)
    for field, ids in (("add_to_groups", add), ("remove_from_groups", remove)):
        for group_id in ids:
            try:
                group = await groups.access_group(call.session, group_id)
            except NotFound:
                raise field_problem(field, f"There is no group {group_id}.") from None
            try:
                if field == "add_to_groups":
                    await groups.add_member(call.session, staff=staff, group=group, user_id=user.id)
                else:
                    await groups.remove_member(
                        call.session, staff=staff, group=group, user_id=user.id
                    )
            except groups.SegmentMembers as error:
                raise field_problem(field, error.message, status=409) from error


@operation(
    "POST",
    "/advocates",
    name="invite_advocate",
    summary="Invite an advocate: the invitation email goes out like one from Manage → People",
    scope=Scope.ADVOCATES_WRITE,
    body=AdvocateInvite,
    response=AdvocateOut,
    status=201,
    errors=(409,),
)
async def invite_advocate(call: Call[AdvocateInvite, Any]) -> AdvocateOut:
    body = call.body
    admin = await acting_admin(call)
    try:
        invitation = await auth.invite(
            call.session,
            inviter=admin,
            email=str(body.email),
            display_name=body.display_name,
            roles={Role.ADVOCATE},
        )
    except auth.AlreadyMember as error:
        raise ApiProblem(409, error.message) from error
    user = await people.access_user(call.session, invitation.user_id)
    await auth.update_profile(
        call.session,
        user=user,
        display_name=body.display_name,
        company=body.company,
        job_title=body.job_title,
        show_in_feed=user.show_in_feed,
        hide_from_boards=user.hide_from_boards,
    )
    await _change_groups(call, user, add=body.group_ids, remove=[])
    return (await _out(call, [user]))[0]


@operation(
    "PATCH",
    "/advocates/{user_id:int}",
    name="update_advocate",
    summary="Change an advocate's name, company, job title or groups",
    scope=Scope.ADVOCATES_WRITE,
    body=AdvocateUpdate,
    response=AdvocateOut,
    errors=(404, 409),
)
async def update_advocate(call: Call[AdvocateUpdate, Any]) -> AdvocateOut:
    body = call.body
    user = await _advocate(call)
    await auth.update_profile(
        call.session,
        user=user,
        display_name=body.display_name if body.display_name is not None else user.display_name,
        company=body.company if body.company is not None else user.company,
        job_title=body.job_title if body.job_title is not None else user.job_title,
        show_in_feed=user.show_in_feed,
        hide_from_boards=user.hide_from_boards,
    )
    await _change_groups(call, user, add=body.add_to_groups, remove=body.remove_from_groups)
    return (await _out(call, [user]))[0]
