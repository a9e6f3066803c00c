"""Manage → People: invitations, sign-up approvals, roles and status. Role
and status changes ask the person acting to confirm it's them when their last confirmation is
older than 15 minutes (portal.people.reauth)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.auth import forms, service
from portal.errors import PortalError
from portal.forms import FormState
from portal.i18n import N_, gettext
from portal.people.access import current_user, requires, staff_of_program
from portal.people.models import Role
from portal.people.reauth import confirmed_recently
from portal.web import db, flash, redirect, render


@staff_of_program
async def invite(request: Request) -> Response:
    state = FormState(data={"roles": Role.ADVOCATE.value})
    return render(request, "people/invite.html", {"form": state, "roles": _grantable(request)})


@staff_of_program
async def invite_submit(request: Request) -> Response:
    state, roles = forms.invite_form(await request.form())
    if state.ok:
        try:
            invitation = await service.invite(
                db(request),
                inviter=current_user(request),
                email=state.value("email"),
                display_name=state.value("display_name"),
                roles=roles,
            )
        except PortalError as error:
            state.add_error("email", error.message)
        else:
            flash(
                request, gettext("Invitation sent to %(email)s.") % {"email": invitation.user.email}
            )
            return redirect(request, "people:list")
    return render(
        request,
        "people/invite.html",
        {"form": state, "roles": _grantable(request)},
        status_code=422,
    )


def _grantable(request: Request) -> list[Role]:
    admin = current_user(request).has_role(Role.ADMIN)
    return [role for role in Role if admin or role != Role.ADMIN]


@requires(Role.ADMIN)
@confirmed_recently(N_("change someone's roles"))
async def set_roles(request: Request) -> Response:
    session = db(request)
    user = await service.access_user(session, request.path_params["user_id"])
    roles = forms.roles_from(await request.form())
    try:
        await service.set_roles(session, actor=current_user(request), user=user, roles=roles)
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(
            request,
            gettext("Roles of %(display_name)s saved.") % {"display_name": user.display_name},
        )
    return redirect(request, "people:detail", user_id=user.id)


STATUS_CHANGES = {
    "suspend": ("{name} is suspended and signed out.", service.suspend_user),
    "reactivate": ("{name} is active again.", service.reactivate_user),
    "decline": ("The sign-up of {name} is declined.", service.decline_signup),
}


@staff_of_program
@confirmed_recently(N_("change someone's account status"))
async def change_status(request: Request) -> Response:
    session = db(request)
    user = await service.access_user(session, request.path_params["user_id"])
    done, change = STATUS_CHANGES[request.url.path.rsplit("/", 1)[1]]
    try:
        await change(session, actor=current_user(request), user=user)
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(request, done.format(name=user.display_name))
    return redirect(request, "people:detail", user_id=user.id)


@staff_of_program
async def approve(request: Request) -> Response:
    session = db(request)
    user = await service.access_user(session, request.path_params["user_id"])
    try:
        await service.approve_signup(session, actor=current_user(request), user=user)
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(
            request,
            gettext("%(display_name)s is approved and has been emailed.")
            % {"display_name": user.display_name},
        )
    return redirect(request, "people:detail", user_id=user.id)


@staff_of_program
async def reinvite(request: Request) -> Response:
    session = db(request)
    user = await service.access_user(session, request.path_params["user_id"])
    try:
        await service.invite(
            session,
            inviter=current_user(request),
            email=user.email,
            display_name=user.display_name,
            roles=user.role_set,
        )
    except PortalError as error:
        flash(request, error.message, "error")
    else:
        flash(
            request, gettext("A new invitation is on its way to %(email)s.") % {"email": user.email}
        )
    return redirect(request, "people:detail", user_id=user.id)


routes = [
    Route("/invite", invite, methods=["GET"], name="invite"),
    Route("/invite", invite_submit, methods=["POST"], name="invite_submit"),
    Route("/{user_id:int}/roles", set_roles, methods=["POST"], name="roles"),
    *(
        Route(f"/{{user_id:int}}/{action}", change_status, methods=["POST"], name=action)
        for action in STATUS_CHANGES
    ),
    Route("/{user_id:int}/approve", approve, methods=["POST"], name="approve"),
    Route("/{user_id:int}/reinvite", reinvite, methods=["POST"], name="reinvite"),
]
