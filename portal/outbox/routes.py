"""Manage → Outbox: every email the portal wrote, with its status and its links (secret links
masked: see portal/outbox/secret_links.py)."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.outbox import service
from portal.outbox.models import EmailStatus
from portal.people.access import current_user, staff_of_program
from portal.web import db, page_number, render, settings


@staff_of_program
async def list_emails(request: Request) -> Response:
    status = request.query_params.get("status", "")
    page = await service.list_emails(
        db(request),
        status=EmailStatus(status) if status in set(EmailStatus) else None,
        page=page_number(request),
    )
    context = {
        "page": page,
        "status": status,
        "statuses": list(EmailStatus),
        "smtp_configured": bool(settings(request).smtp_url),
    }
    return render(request, "outbox/list.html", context, partial="outbox/_table.html")


@staff_of_program
async def show_email(request: Request) -> Response:
    smtp_configured = bool(settings(request).smtp_url)
    shown = await service.show_email(
        db(request),
        viewer=current_user(request),
        email_id=request.path_params["email_id"],
        smtp_configured=smtp_configured,
    )
    context = {"shown": shown, "email": shown.email, "smtp_configured": smtp_configured}
    return render(request, "outbox/detail.html", context)


routes = [
    Route("/", list_emails, methods=["GET"], name="list"),
    Route("/{email_id:int}", show_email, methods=["GET"], name="detail"),
]
