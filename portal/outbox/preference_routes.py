"""Email settings on the profile, and the one-click unsubscribe links in emails."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.i18n import gettext
from portal.outbox import preferences
from portal.outbox.models import EmailCategory
from portal.people.access import current_user, public, signed_in
from portal.web import db, flash, redirect, render


@signed_in
async def email_settings(request: Request) -> Response:
    chosen = await preferences.preferences_of(db(request), current_user(request))
    return render(request, "outbox/preferences.html", {"chosen": chosen})


@signed_in
async def save_email_settings(request: Request) -> Response:
    form = await request.form()
    wanted = {c for c in EmailCategory if form.get(c.value)}
    await preferences.save_preferences(db(request), user=current_user(request), wanted=wanted)
    flash(request, gettext("Your email settings are saved."))
    return redirect(request, "email_settings:edit")


@public
async def unsubscribe_page(request: Request) -> Response:
    """Shows what the link switches off; only the POST changes anything (mail scanners
    follow links, and must not unsubscribe people)."""
    try:
        user, category = await preferences.read_unsubscribe_token(
            db(request), request.path_params["token"]
        )
    except preferences.BadUnsubscribeLink as error:
        return render(request, "outbox/unsubscribe.html", {"error": error.message}, status_code=400)
    context = {"category": category, "email": user.email, "done": False, "error": ""}
    return render(request, "outbox/unsubscribe.html", context)


@public
async def unsubscribe(request: Request) -> Response:
    """The page's button and mail programs' one-click POST (RFC 8058) both land here; the
    signed link is the authority, so there is no CSRF token and no sign-in."""
    try:
        user, category = await preferences.unsubscribe(db(request), request.path_params["token"])
    except preferences.BadUnsubscribeLink as error:
        return render(request, "outbox/unsubscribe.html", {"error": error.message}, status_code=400)
    context = {"category": category, "email": user.email, "done": True, "error": ""}
    return render(request, "outbox/unsubscribe.html", context)


settings_routes = [
    Route("/", email_settings, methods=["GET"], name="edit"),
    Route("/", save_email_settings, methods=["POST"], name="save"),
]
unsubscribe_routes = [
    Route("/{token}", unsubscribe_page, methods=["GET"], name="page"),
    Route("/{token}", unsubscribe, methods=["POST"], name="confirm"),
]
