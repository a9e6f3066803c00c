"""Demo community for `make run`: four categories (one for the Developers group only), topics
with replies, two answered, "helpful" reactions, a pinned welcome, an edited answer, and in the
moderation queue a flagged spam reply and a newcomer's first post, a reply with a screenshot
(through the content storage), and Priya's place in a topic that had a reply since she read it,
written in time order through the real services (so the points, badges and feed items they
earned are there)."""

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from portal import clock
from portal.community import service, settings
from portal.community.models import Category, Topic
from portal.files.storage import Storage
from portal.files.uploads import Upload
from portal.people.models import Group, User

Step = Callable[[], Awaitable[None]]
MARKETER = "marketer@acme.example"
PRIYA = "priya.raman@northwind.example"
JONAS = "jonas.berg@fjordtech.example"
LUCIA = "lucia.moreno@solaria.example"
DANIEL = "daniel.kim@brightpath.example"
AMARA = "amara.nwosu@kelvin.example"
TOM = "tom.fischer@alpenbank.example"
GRACE = "grace.liu@harborview.example"
OMAR = "omar.haddad@dunecloud.example"
SOFIA = "sofia.rossi@vitaverde.example"

LISBON = "Anyone going to Acme Connect in Lisbon?"

CATEGORIES = [
    ("Product tips", "Shortcuts, set-ups and tricks that save you time.", ()),
    ("Events", "Meetups, webinars and the Acme Connect conference.", ()),
    ("Feedback", "What you would change in Acme, and what you love.", ()),
    ("Developers corner", "APIs, webhooks and integrations.", ("Developers",)),
]


# (category, author, title, body, days ago, replies: (author, body, hours after the topic))
TOPICS: list[tuple[str, str, str, str, int, list[tuple[str, str, int]]]] = [
    (
        "Product tips",
        PRIYA,
        "How do you get alerts on delayed shipments?",
        "We track about 400 shipments a week. Is there a way to get an alert when one is "
        "running late, rather than checking the board every morning?",
        20,
        [
            (
                GRACE,
                "Yes: open <strong>Rules → New rule</strong>, pick “ETA slips by more than” and "
                "choose a channel. We send ours to a Slack channel.",
                3,
            ),
            (AMARA, "Same here, and we added a daily summary email for the finance team.", 9),
            (PRIYA, "That worked, thank you both! The Slack channel is much calmer already.", 26),
        ],
    ),
    (
        "Events",
        LUCIA,
        "Anyone going to Acme Connect in Lisbon?",
        "I'll be there for both days. It would be great to meet other advocates: coffee on "
        "the first morning?",
        14,
        [
            (TOM, "Count me in. I'm speaking in the security track on day two.", 4),
            (JONAS, "I'll be there too: coffee sounds good. @Priya Raman, are you coming?", 30),
        ],
    ),
    (
        "Developers corner",
        OMAR,
        "Webhook retries: how long do you wait?",
        "Our endpoint was down for an hour last week. How long does Acme keep retrying a "
        "webhook delivery?",
        9,
        [
            (
                DANIEL,
                "Retries back off for about a day. Make your handler idempotent on the "
                "<code>webhook-id</code> header and replays are harmless.",
                2,
            ),
        ],
    ),
    (
        "Feedback",
        AMARA,
        "Export the monthly report straight to Excel",
        "The CSV export is fine, but a formatted Excel file would save our finance team a "
        "step every month.",
        6,
        [(PRIYA, "+1, with the charts included if possible.", 5)],
    ),
    (
        "Product tips",
        MARKETER,
        "Welcome to the Acme community: start here",
        "<p>This is the place to ask, answer and help each other. A few house rules:</p>"
        "<ul><li>Be kind and stay on topic.</li><li>Mark the reply that solved your question "
        "as the answer: its author earns points.</li><li>Flag anything that doesn't belong.</li>"
        "</ul>",
        30,
        [],
    ),
    (
        "Feedback",
        GRACE,
        "Mobile app: offline mode?",
        "Our warehouse has patchy signal. Would an offline mode for the scanner be on the roadmap?",
        1,
        [(OMAR, "Best prices on shipping labels!!! Visit labels-cheap.example now", 2)],
    ),
    (
        "Product tips",
        JONAS,
        "Keyboard shortcuts you use every day",
        "Mine: <code>g</code> then <code>s</code> jumps to shipments. What are yours?",
        2,
        [(SOFIA, "Ctrl+K opens the search from anywhere. My first post here, hello all!", 42)],
    ),
]


FOLLOWS = [(PRIYA, "Product tips"), (PRIYA, "Events"), (GRACE, "Product tips")]
# (topic, which reply (0: the first), who marks it, hours after the topic)
ANSWERS = [
    ("How do you get alerts on delayed shipments?", 0, PRIYA, 27),
    ("Webhook retries: how long do you wait?", 0, OMAR, 5),
]
HELPFUL = [
    ("How do you get alerts on delayed shipments?", 0, [PRIYA, AMARA, TOM, LUCIA], 12),
    ("How do you get alerts on delayed shipments?", 1, [PRIYA, GRACE], 14),
    ("Webhook retries: how long do you wait?", 0, [OMAR, JONAS, TOM], 6),
    ("Anyone going to Acme Connect in Lisbon?", 0, [LUCIA, JONAS], 8),
]


async def _chunks(data: bytes) -> AsyncIterator[bytes]:
    yield data


async def steps(
    session: AsyncSession, people: dict[str, User], *, storage: Storage, screenshot: bytes
) -> list[clock.At]:
    if await session.scalar(select(Category.id).limit(1)) is not None:
        return []
    marketer = people[MARKETER]
    categories: dict[str, int] = {}
    topics: dict[str, int] = {}
    replies: dict[tuple[str, int], int] = {}

    async def create_categories() -> None:
        for position, (name, description, group_names) in enumerate(CATEGORIES):
            group_ids = await session.scalars(select(Group.id).where(Group.name.in_(group_names)))
            category = await service.create_category(
                session,
                staff=marketer,
                values=service.CategoryValues(
                    name=name,
                    description=description,
                    position=position,
                    group_ids=frozenset(group_ids),
                ),
            )
            categories[name] = category.id

    def start(category: str, author: str, title: str, body: str) -> Step:
        async def run() -> None:
            topic: Topic = await service.start_topic(
                session,
                author=people[author],
                category_id=categories[category],
                title=title,
                body=body,
            )
            topics[title] = topic.id

        return run

    def reply(title: str, number: int, author: str, body: str) -> Step:
        async def run() -> None:
            post = await service.reply(
                session, author=people[author], topic_id=topics[title], body=body
            )
            replies[title, number] = post.id

        return run

    def accept(title: str, number: int, who: str) -> Step:
        async def run() -> None:
            await service.toggle_answer(session, viewer=people[who], post_id=replies[title, number])

        return run

    def find_helpful(title: str, number: int, who: str) -> Step:
        async def run() -> None:
            await service.toggle_helpful(
                session, viewer=people[who], post_id=replies[title, number]
            )

        return run

    async def follow_categories() -> None:
        for email, name in FOLLOWS:
            await service.toggle_follow(session, viewer=people[email], category_id=categories[name])

    async def pin_welcome() -> None:
        await service.moderate_topic(
            session,
            staff=marketer,
            topic_id=topics["Welcome to the Acme community: start here"],
            action=service.TopicAction.PIN,
        )

    async def flag_spam() -> None:
        await service.flag_post(
            session,
            viewer=people[GRACE],
            post_id=replies["Mobile app: offline mode?", 0],
            reason="Spam: an ad for another site",
        )

    async def hold_first_posts() -> None:
        await settings.save_settings(session, actor=marketer, approve_first_posts=1)

    async def edit_answer() -> None:
        await service.edit_post(
            session,
            editor=people[DANIEL],
            post_id=replies["Webhook retries: how long do you wait?", 0],
            body="Retries back off for about a day (8 tries). Make your handler idempotent on "
            "the <code>webhook-id</code> header and replays are harmless.",
        )

    async def reply_with_screenshot() -> None:
        title = "How do you get alerts on delayed shipments?"
        image = await service.store_image(
            session,
            uploader=people[GRACE],
            storage=storage,
            upload=Upload(_chunks(screenshot), "alert-rule.png"),
            max_bytes=len(screenshot),
        )
        body = "For reference, this is the rule we use (the channel is #shipping-alerts)."
        await service.reply(
            session,
            author=people[GRACE],
            topic_id=topics[title],
            body=service.with_image(body, image, "The new rule form with a 12-hour ETA slip"),
        )

    async def priya_reads_lisbon() -> None:
        priya = people[PRIYA]
        view = await service.read_topic(session, viewer=priya, topic_id=topics[LISBON], page=1)
        newest = max(post.id for post in view.posts.items)
        await service.visit_topic(session, viewer=priya, topic=view.topic, up_to=newest)

    at: list[clock.At] = [
        clock.At(timedelta(days=40), create_categories),
        clock.At(timedelta(days=39), follow_categories),
    ]
    for category, author, title, body, days, replies_to in TOPICS:
        opened = timedelta(days=days)
        at.append(clock.At(opened, start(category, author, title, body)))
        for number, (replier, text, hours) in enumerate(replies_to):
            later = opened - timedelta(hours=hours)
            at.append(clock.At(later, reply(title, number, replier, text)))
    opened_at = {title: timedelta(days=days) for _, _, title, _, days, _ in TOPICS}
    at.append(clock.At(timedelta(days=30, hours=-1), pin_welcome))
    at.append(clock.At(opened_at["Mobile app: offline mode?"] - timedelta(hours=3), flag_spam))
    at.append(clock.At(timedelta(days=8), edit_answer))
    at.append(clock.At(timedelta(hours=12), hold_first_posts))
    # Grace's screenshot comes 4 hours after her answer; Priya reads Lisbon between its replies.
    alerts_opened = opened_at["How do you get alerts on delayed shipments?"]
    at.append(clock.At(alerts_opened - timedelta(hours=7), reply_with_screenshot))
    at.append(clock.At(opened_at[LISBON] - timedelta(hours=10), priya_reads_lisbon))
    for title, number, who, hours in ANSWERS:
        at.append(clock.At(opened_at[title] - timedelta(hours=hours), accept(title, number, who)))
    for title, number, readers, hours in HELPFUL:
        for minutes, who in enumerate(readers):
            later = opened_at[title] - timedelta(hours=hours, minutes=minutes * 17)
            at.append(clock.At(later, find_helpful(title, number, who)))
    return at
