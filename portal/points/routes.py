"""My points (the ledger) and the leaderboards."""

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.clock import utcnow
from portal.forms import query_number
from portal.people.access import current_user, signed_in, staff_of_program
from portal.people.models import Role
from portal.points import service
from portal.points.models import Period
from portal.web import db, flash, redirect_to, render

PAGE_SIZE = 25
# Where a ledger row's source lives: source type → (route name, its id parameter).
SOURCE_PAGES = {
    "referral": ("referrals:detail", "referral_id"),
    "asset": ("content:detail", "asset_id"),
    "redemption": ("rewards:redemption", "redemption_id"),
    "submission": ("challenges:entry", "submission_id"),
    "community_post": ("community:post", "post_id"),
}


@signed_in
async def history(request: Request) -> Response:
    before = query_number(request.query_params, "before", minimum=1)
    user = current_user(request)
    entries = await service.history(db(request), user, before_id=before, limit=PAGE_SIZE + 1)
    context = {
        "entries": entries[:PAGE_SIZE],
        "standings": await service.standings(db(request), entries[:PAGE_SIZE]),
        "waiting": await service.waiting_of(db(request), user),
        "more_before": entries[PAGE_SIZE - 1].id if len(entries) > PAGE_SIZE else None,
        "balance": await service.balance_of(db(request), user),
        "continued": before is not None,
        "source_pages": SOURCE_PAGES,
    }
    return render(request, "points/history.html", context, partial="points/_history_rows.html")


@signed_in
async def how_to_earn(request: Request) -> Response:
    """The rules in plain words: the levels, what each multiplies, streaks, point expiry, the
    running season, and where the reader is."""
    user = current_user(request)
    balance = await service.balance_of(db(request), user)
    levels = await service.list_levels(db(request))
    context = {
        "balance": balance,
        "standing": await service.standing_of(db(request), balance),
        "levels": [(level, service.multiplier_text(level)) for level in levels],
        "streak": service.streak_status(
            balance.streak, user, now=utcnow(), program_zone=request.state.program.zone_name
        ),
        "rules": (rules := await service.load_rules(db(request))),
        "freeze_every": rules.streak_freeze_weeks,
        "expiring": await service.expiring_soon(db(request), user, now=utcnow()),
        "season": await service.running_standing(
            db(request), user, exclude_staff=request.state.program.leaderboard_excludes_staff
        ),
    }
    return render(request, "points/how_to_earn.html", context)


@signed_in
async def leaderboard(request: Request) -> Response:
    user = current_user(request)
    raw_period = request.query_params.get("period", Period.MONTH.value)
    period = Period(raw_period) if raw_period in set(Period) else Period.MONTH
    staff_view = user.has_role(Role.MARKETER, Role.ADMIN)
    excludes_staff = request.state.program.leaderboard_excludes_staff
    seasons = await service.seasons_for(db(request), user, staff_view=staff_view)
    raw_season = request.query_params.get("season", "")
    season = next((s for s in seasons if str(s.id) == raw_season), None)
    groups = await service.board_groups(db(request), viewer=user, staff_view=staff_view)
    raw_group = request.query_params.get("group", "")
    group = next((g for g in groups if str(g.id) == raw_group), None)
    board: service.Board | service.SeasonBoard
    if season is not None:
        board = await service.season_board(
            db(request), season, viewer=user, exclude_staff=excludes_staff
        )
    else:
        board = await service.leaderboard(
            db(request),
            period=period,
            viewer=user,
            group_id=group.id if group else None,
            exclude_staff=excludes_staff,
        )
    context = {
        "board": board,
        "period": period,
        "periods": list(Period),
        "season": season,
        "seasons": seasons,
        "now": utcnow(),
        "groups": groups,
        "group": group,
        "staff_view": staff_view,
    }
    return render(request, "points/leaderboard.html", context, partial="points/_board.html")


@staff_of_program
async def group_board_visibility(request: Request) -> Response:
    form = await request.form()
    hidden = form.get("hidden") == "1"
    group = await service.set_group_board_hidden(
        db(request),
        actor=current_user(request),
        group_id=request.path_params["group_id"],
        hidden=hidden,
    )
    flash(
        request,
        f"The {group.name} board is now "
        + ("hidden from advocates." if hidden else "visible to its members."),
    )
    url = request.url_for("leaderboard:index").include_query_params(group=group.id)
    return redirect_to(request, str(url))


history_routes = [
    Route("/", history, methods=["GET"], name="history"),
    Route("/how-to-earn", how_to_earn, methods=["GET"], name="how_to_earn"),
]
board_routes = [
    Route("/", leaderboard, methods=["GET"], name="index"),
    Route(
        "/groups/{group_id:int}/visibility",
        group_board_visibility,
        methods=["POST"],
        name="group_visibility",
    ),
]
