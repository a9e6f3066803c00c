"""The advocate's Community: categories, a category's topics, starting a topic, reading a topic
a page at a time and replying (quoting a post), and a post's own link, which lands on its page."""

from starlette.datastructures import FormData, UploadFile
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from portal.community import forms, moderation_routes, service
from portal.community.models import Topic
from portal.files.storage import iterate_file
from portal.files.uploads import Upload
from portal.files.web import file_response, storage
from portal.forms import MAX_SEARCH, FormState, form_text, query_number
from portal.i18n import _
from portal.pagination import Page
from portal.people.access import current_user, signed_in
from portal.request_body import accepts_upload, image_mb
from portal.web import db, flash, is_htmx, page_number, redirect_to, render, settings


async def _unread(request: Request, topics: Page[Topic]) -> set[int]:
    return await service.with_unread(
        db(request), viewer=current_user(request), topic_ids=[topic.id for topic in topics.items]
    )


@signed_in
async def index(request: Request) -> Response:
    viewer = current_user(request)
    topics = await service.list_topics(db(request), viewer=viewer, page=page_number(request))
    context = {
        "categories": await service.list_categories(db(request), viewer=viewer),
        "topics": topics,
        "unread": await _unread(request, topics),
        "category": None,
        "q": "",
    }
    return render(request, "community/index.html", context, partial="community/_topics.html")


@signed_in
async def search(request: Request) -> Response:
    text = request.query_params.get("q", "").strip()[:MAX_SEARCH]
    found = await service.search_topics(
        db(request), viewer=current_user(request), text=text, page=page_number(request)
    )
    context = {
        "topics": found,
        "unread": await _unread(request, found),
        "q": text,
        "category": None,
    }
    return render(request, "community/search.html", context, partial="community/_topics.html")


@signed_in
async def category(request: Request) -> Response:
    viewer = current_user(request)
    chosen = await service.access_category(
        db(request), viewer=viewer, category_id=request.path_params["category_id"]
    )
    topics = await service.list_topics(
        db(request), viewer=viewer, category=chosen, page=page_number(request)
    )
    context = {
        "category": chosen,
        "topics": topics,
        "unread": await _unread(request, topics),
        "following": await service.is_following(db(request), viewer=viewer, category=chosen),
        "q": "",
    }
    return render(request, "community/category.html", context, partial="community/_topics.html")


async def _new_topic_page(request: Request, form: FormState, status_code: int = 200) -> Response:
    categories = await service.list_categories(db(request), viewer=current_user(request))
    options = [("", _("Choose a category"))]
    options += [(str(row.category.id), row.category.name) for row in categories]
    context = {"form": form, "category_options": options}
    return render(request, "community/new.html", context, status_code=status_code)


@signed_in
async def new_topic(request: Request) -> Response:
    chosen = query_number(request.query_params, "category", minimum=1)
    return await _new_topic_page(request, FormState(data={"category": str(chosen or "")}))


async def _with_image(request: Request, form: FormData, state: FormState) -> str:
    """The body as typed, with the chosen image (if any) stored and placed after it."""
    upload = form.get("image")
    if not isinstance(upload, UploadFile) or not upload.filename:
        return state.value("body")
    image = await service.store_image(
        db(request),
        uploader=current_user(request),
        storage=storage(request),
        upload=Upload(iterate_file(upload), upload.filename),
        max_bytes=settings(request).max_image_mb * 1024 * 1024,
    )
    return service.with_image(state.value("body"), image, state.value("image_alt"))


@signed_in
@accepts_upload(image_mb)
async def create_topic(request: Request) -> Response:
    form = await request.form()
    state, values = forms.topic_form(form)
    if values is None:
        return await _new_topic_page(request, state, status_code=422)
    try:
        topic = await service.start_topic(
            db(request),
            author=current_user(request),
            category_id=values.category_id,
            title=values.title,
            body=await _with_image(request, form, state),
        )
    except service.ImageRefused as error:
        state.add_error("image", error.message)
        return await _new_topic_page(request, state, status_code=422)
    except service.EmptyPost as error:
        state.add_error("body", error.message)
        return await _new_topic_page(request, state, status_code=422)
    return redirect_to(request, str(request.url_for("community:topic", topic_id=topic.id)))


async def _topic_page(
    request: Request,
    *,
    form: FormState | None = None,
    status_code: int = 200,
    partial: str | None = None,
) -> Response:
    viewer = current_user(request)
    view = await service.read_topic(
        db(request),
        viewer=viewer,
        topic_id=request.path_params["topic_id"],
        page=page_number(request),
    )
    shown = [post.id for post in view.posts.items]
    visit = await service.visit_topic(
        db(request), viewer=viewer, topic=view.topic, up_to=max(shown, default=0)
    )
    quoted = None
    if form is None:
        form = FormState()
        quote_id = query_number(request.query_params, "quote", minimum=1)
        if quote_id is not None:
            quoted = await service.access_post(db(request), viewer=viewer, post_id=quote_id)
            form.data["quote"] = str(quoted.id)
    context = {
        "view": view,
        "topic": view.topic,
        "found_helpful": view.found_helpful,
        "posts_page": view.posts.page,
        "read_before": visit.read_before,
        "form": form,
        "quoted": quoted,
        "can_reply": not view.topic.is_locked or service.is_staff(viewer),
        "may_accept": service.may_accept(viewer, view.topic),
        "viewer_id": viewer.id,
        "muted": visit.muted,
        "is_staff": service.is_staff(viewer),
        "move_to": await service.list_categories(db(request), viewer=viewer)
        if service.is_staff(viewer)
        else [],
    }
    return render(
        request, "community/topic.html", context, status_code=status_code, partial=partial
    )


@signed_in
async def topic(request: Request) -> Response:
    return await _topic_page(request)


@signed_in
@accepts_upload(image_mb)
async def reply(request: Request) -> Response:
    """A reply. Sent with htmx from the page it would appear on, it joins that page in place;
    otherwise (no JavaScript, or the reader was on an earlier page) the topic opens at it."""
    submitted = await request.form()
    state, quoted = forms.reply_form(submitted)
    refused = "community/_reply_form.html"  # what htmx swaps in when the reply is refused
    if not state.ok:
        return await _topic_page(request, form=state, status_code=422, partial=refused)
    viewer = current_user(request)
    try:
        post = await service.reply(
            db(request),
            author=viewer,
            topic_id=request.path_params["topic_id"],
            body=await _with_image(request, submitted, state),
            quoted_post_id=quoted,
        )
    except service.ImageRefused as error:
        state.add_error("image", error.message)
        return await _topic_page(request, form=state, status_code=422, partial=refused)
    except service.EmptyPost as error:
        state.add_error("body", error.message)
        return await _topic_page(request, form=state, status_code=422, partial=refused)
    except service.TopicLocked as error:
        state.add_error(None, error.message)
        return await _topic_page(request, form=state, status_code=409, partial=refused)
    page = await service.page_of_post(db(request), viewer=viewer, post=post)
    if not is_htmx(request) or form_text(submitted, "page", max_length=10) != str(page):
        return redirect_to(request, str(request.url_for("community:post", post_id=post.id)))
    topic = await service.access_topic(db(request), viewer=viewer, topic_id=post.topic_id)
    context = {
        "post": await service.access_post(db(request), viewer=viewer, post_id=post.id),
        "topic": topic,
        "form": FormState(),
        "found_helpful": frozenset[int](),
        "posts_page": page,
        "read_before": 0,
        "viewer_id": viewer.id,
        "is_staff": service.is_staff(viewer),
        "may_accept": service.may_accept(viewer, topic),
        "can_reply": True,
    }
    return render(request, "community/_reply_added.html", context)


@signed_in
async def first_unread(request: Request) -> Response:
    """The first post the viewer has not had on screen, on its page; the topic when none."""
    topic_id = request.path_params["topic_id"]
    post_id = await service.first_unread(
        db(request), viewer=current_user(request), topic_id=topic_id
    )
    if post_id is None:
        return redirect_to(request, str(request.url_for("community:topic", topic_id=topic_id)))
    return redirect_to(request, str(request.url_for("community:post", post_id=post_id)))


@signed_in
async def post(request: Request) -> Response:
    """A post's own link: its topic at the page it is on, scrolled to it."""
    found = await service.access_post(
        db(request), viewer=current_user(request), post_id=request.path_params["post_id"]
    )
    page = await service.page_of_post(db(request), viewer=current_user(request), post=found)
    url = request.url_for("community:topic", topic_id=found.topic_id)
    target = url.include_query_params(page=page) if page > 1 else url
    return redirect_to(request, f"{target}#post-{found.id}")


async def _back_to_post(request: Request, post_id: int) -> Response:
    return redirect_to(request, str(request.url_for("community:post", post_id=post_id)))


@signed_in
async def helpful(request: Request) -> Response:
    """Finds a post helpful or takes it back: with htmx the button is swapped in place."""
    post_id = request.path_params["post_id"]
    viewer = current_user(request)
    try:
        found = await service.toggle_helpful(db(request), viewer=viewer, post_id=post_id)
    except service.OwnPost as error:
        flash(request, error.message, "error")
        return await _back_to_post(request, post_id)
    if not is_htmx(request):
        return await _back_to_post(request, post_id)
    post = await service.counted_post(db(request), viewer=viewer, post_id=post_id)
    return render(request, "community/_helpful.html", {"post": post, "found": found})


@signed_in
async def answer(request: Request) -> Response:
    post_id = request.path_params["post_id"]
    try:
        marked = await service.toggle_answer(
            db(request), viewer=current_user(request), post_id=post_id
        )
    except service.NotAReply as error:
        flash(request, error.message, "error")
    else:
        flash(request, _("Marked as the answer.") if marked else _("No longer the answer."))
    return await _back_to_post(request, post_id)


@signed_in
async def follow(request: Request) -> Response:
    category_id = request.path_params["category_id"]
    following = await service.toggle_follow(
        db(request), viewer=current_user(request), category_id=category_id
    )
    flash(
        request,
        _("You'll hear of each new topic here.") if following else _("No longer following."),
    )
    return redirect_to(request, str(request.url_for("community:category", category_id=category_id)))


@signed_in
async def mute(request: Request) -> Response:
    topic_id = request.path_params["topic_id"]
    muted = await service.toggle_mute(db(request), viewer=current_user(request), topic_id=topic_id)
    flash(
        request,
        _("You won't hear of new replies here.")
        if muted
        else _("You'll hear of new replies again."),
    )
    return redirect_to(request, str(request.url_for("community:topic", topic_id=topic_id)))


@signed_in
async def image(request: Request) -> Response:
    found = await service.image_named(db(request), request.path_params["name"])
    return await file_response(
        request,
        storage(request),
        name=found.name,
        content_type=found.content_type,
        filename=found.filename,
        inline=True,
    )


routes = [
    Route("/", index, methods=["GET"], name="index"),
    Route("/search", search, methods=["GET"], name="search"),
    Route("/c/{category_id:int}", category, methods=["GET"], name="category"),
    Route("/c/{category_id:int}/follow", follow, methods=["POST"], name="follow"),
    Route("/new", new_topic, methods=["GET"], name="new"),
    Route("/new", create_topic, methods=["POST"], name="create"),
    Route("/t/{topic_id:int}", topic, methods=["GET"], name="topic"),
    Route("/t/{topic_id:int}/reply", reply, methods=["POST"], name="reply"),
    Route("/t/{topic_id:int}/mute", mute, methods=["POST"], name="mute"),
    Route("/t/{topic_id:int}/unread", first_unread, methods=["GET"], name="unread"),
    Route("/p/{post_id:int}", post, methods=["GET"], name="post"),
    Route("/p/{post_id:int}/helpful", helpful, methods=["POST"], name="helpful"),
    Route("/p/{post_id:int}/answer", answer, methods=["POST"], name="answer"),
    Route("/images/{name:str}", image, methods=["GET"], name="image"),
    *moderation_routes.routes,
]
