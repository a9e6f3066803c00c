"""Every kind of email the portal writes: who gets it, the {names} its subject may use, the
secret link it carries, and a sample for the preview in Manage → Emails."""

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from portal.clock import utcnow
from portal.i18n import N_


@dataclass(frozen=True)
class SecretLink:
    """A link whose last path segment is a token acting for the person it was sent to. Such a
    link is readable only by them: Manage → Outbox masks it and a sent email keeps only the
    masked form. While no SMTP_URL is set, staff who could have issued an invitation may copy its
    link (`issuers_may_copy`), so a laptop install works without a mail server."""

    route: str
    issuers_may_copy: bool = False


INVITATION_LINK = SecretLink("auth:accept", issuers_may_copy=True)
RESET_LINK = SecretLink("auth:reset")
UNSUBSCRIBE_LINK = SecretLink("unsubscribe:page")  # in every email that has a category


@dataclass(frozen=True)
class EmailKind:
    kind: str
    label: str
    audience: str
    default_subject: str
    sample: dict[str, Any]
    secret: SecretLink | None = None

    @property
    def subject_fields(self) -> list[str]:
        return sorted(k for k, v in self.sample.items() if isinstance(v, str | int))


_PROGRAM = {"program_name": "Acme Advocates", "name": "Ada Byron"}
_ONBOARDING = {
    **_PROGRAM,
    "first_name": "Ada",
    "product": "Acme",
    "referral_link": "https://portal.example/r/sample",
    "link": "https://portal.example/",
    "balance": 1200,
}
KINDS = {
    kind.kind: kind
    for kind in [
        EmailKind(
            "invitation",
            N_("Invitation"),
            N_("people invited by a marketer"),
            N_("{inviter} invited you to {program_name}"),
            {
                **_PROGRAM,
                "inviter": "Maya Patel",
                "tagline": "Share what you love.",
                "link": "https://portal.example/invitations/sample",
                "expires_at": utcnow() + timedelta(days=7),
            },
            secret=INVITATION_LINK,
        ),
        EmailKind(
            "invitation_reminder",
            N_("Invitation reminder"),
            N_("invited people after 3 days"),
            N_("Reminder: your invitation to {program_name}"),
            {
                **_PROGRAM,
                "inviter": "Maya Patel",
                "tagline": "Share what you love.",
                "link": "https://portal.example/invitations/sample",
                "expires_at": utcnow() + timedelta(days=4),
            },
            secret=INVITATION_LINK,
        ),
        EmailKind(
            "password_reset",
            N_("Password reset"),
            N_("anyone who asks"),
            N_("Reset your {program_name} password"),
            {**_PROGRAM, "link": "https://portal.example/reset-password/sample"},
            secret=RESET_LINK,
        ),
        EmailKind(
            "signup_pending",
            N_("Sign-up to approve"),
            N_("marketers and admins"),
            N_("{applicant} wants to join {program_name}"),
            {
                **_PROGRAM,
                "applicant": "Pat Newcomer",
                "applicant_email": "pat@newco.example",
                "company": "NewCo",
                "link": "https://portal.example/manage/people?status=pending",
            },
        ),
        EmailKind(
            "signup_approved",
            N_("Sign-up approved"),
            N_("new advocates"),
            N_("Welcome to {program_name}: you're in"),
            {**_PROGRAM, "link": "https://portal.example/login"},
        ),
        EmailKind(
            "referral_moved",
            N_("Referral moved"),
            N_("the referring advocate"),
            N_("Your referral {prospect} moved to {stage}"),
            {
                **_PROGRAM,
                "prospect": "Grace Hopper",
                "news": N_("is qualified: it looks like a good fit"),
                "stage": "Qualified",
                "points": 200,
                "link": "https://portal.example/referrals/1",
            },
        ),
        EmailKind(
            "friend_reward",
            N_("Referred friend's welcome reward"),
            N_("the referred friend, at the stage Manage → Referrals names"),
            N_("{referrer} recommended us: your welcome reward"),
            {
                **_PROGRAM,
                "referrer": "Priya Raman",
                "offer": "As a thank-you for talking to us: 20% off your first year.",
                "code": "WELCOME-7K2Q",
                "link": "",  # the friend has no account to link to: the code is the reward
            },
        ),
        EmailKind(
            "referral_assigned",
            N_("Referral assigned"),
            N_("the sales rep"),
            N_("New referral for you: {prospect}"),
            {
                **_PROGRAM,
                "prospect": "Grace Hopper",
                "company": "Navy Labs",
                "email": "grace@navylabs.example",
                "link": "https://portal.example/pipeline/1",
            },
        ),
        EmailKind(
            "referral_stale",
            N_("Stale referral reminder"),
            N_("the sales rep"),
            N_("Reminder: {prospect} has waited {days} days"),
            {
                **_PROGRAM,
                "prospect": "Grace Hopper",
                "stage": "Contacted",
                "days": 8,
                "link": "https://portal.example/pipeline/1",
            },
        ),
        EmailKind(
            "webhook_failing",
            N_("Webhook endpoint failing"),
            N_("admins, when an endpoint's delivery gave up"),
            N_("Webhooks to {url} are failing"),
            {
                **_PROGRAM,
                "url": "https://crm.example/hooks/portal",
                "days": 3,
                "link": "https://portal.example/manage/webhooks/1",
            },
        ),
        EmailKind(
            "reward_stock",
            N_("Reward stock alert"),
            N_("marketers and admins, when a code pool runs low or a reward runs out"),
            "{title}",
            {
                **_PROGRAM,
                "title": "Acme gift card: only 4 codes left",
                "reward": "Acme gift card",
                "left": 4,
                "body": "The pool fell under 10 unused codes. Add codes before it runs out.",
                "link": "https://portal.example/manage/rewards/1",
            },
        ),
        EmailKind(
            "redemption_status",
            N_("Redemption update"),
            N_("the redeeming advocate"),
            "{title}",
            {
                **_PROGRAM,
                "title": "Your Acme hoodie is on its way",
                "reward": "Acme hoodie",
                "status": "fulfilled",
                "code": None,
                "tracking_note": "Royal Mail RM123456789GB",
                "reject_reason": "",
                "refunded": False,
                "cost": 1200,
                "link": "https://portal.example/rewards/redemptions/1",
            },
        ),
        EmailKind(
            "onboarding_welcome",
            N_("Welcome (onboarding day 0)"),
            N_("advocates after their first sign-in"),
            N_("Welcome to {program_name}: how points work"),
            _ONBOARDING,
        ),
        EmailKind(
            "onboarding_challenges",
            N_("Top challenges (onboarding day 2)"),
            N_("advocates two days in"),
            N_("Three quick ways to earn your first points"),
            {**_ONBOARDING, "challenges": []},
        ),
        EmailKind(
            "event_invite",
            N_("Event invitation"),
            N_("advocates who said they will attend an event"),
            N_("See you at {challenge}"),
            {
                **_ONBOARDING,
                "challenge": "Customer evening in Berlin",
                "when": "10 Dec 2026, 18:00 CET",
                "place": "Acme HQ, Berlin",
                "event_link": "",
            },
        ),
        EmailKind(
            "submission_decided",
            N_("Challenge entry decided"),
            N_("advocates whose entry a marketer approved or rejected"),
            "{title}",
            {
                **_ONBOARDING,
                "title": "Your entry for Review us on G2 is approved: +100 points",
                "approved": True,
                "feedback": "Thanks for the thoughtful review!",
            },
        ),
        EmailKind(
            "community_topic",
            N_("Community: new topic"),
            N_("followers of the topic's category"),
            N_("New in {category}: {title}"),
            {
                **_PROGRAM,
                "author": "Tom Fischer",
                "category": "Product tips",
                "title": "Keyboard shortcuts you love",
                "excerpt": "Mine: press / anywhere to search.",
                "link": "https://portal.example/community/p/1",
            },
        ),
        EmailKind(
            "community_reply",
            N_("Community: reply to your topic"),
            N_("a topic's author, unless they muted it"),
            N_("{author} replied to “{title}”"),
            {
                **_PROGRAM,
                "author": "Priya Raman",
                "title": "How do you set up alerts?",
                "excerpt": "Use the rules page: one rule per carrier.",
                "link": "https://portal.example/community/p/2",
                "topic_link": "https://portal.example/community/t/1",
            },
        ),
        EmailKind(
            "challenge_ending",
            N_("Challenge ending soon"),
            N_("advocates who haven't done a challenge ending within 48 hours"),
            N_("Ends soon: {challenge} ({points} points)"),
            {
                **_ONBOARDING,
                "challenge": "Review us on G2",
                "points": 100,
                "ends_in": "Ends in 2 days",
                "ends_at": "4 Dec 2026, 18:00 CET",
            },
        ),
        EmailKind(
            "points_expiring",
            N_("Points expiring soon"),
            N_("advocates whose points expire within 30 days (when points expire)"),
            "{title}",
            {
                **_ONBOARDING,
                "title": "150 points expire on 04 Jan 2027",
                "points": 150,
                "expires_on": "04 Jan 2027",
            },
        ),
        EmailKind(
            "onboarding_training",
            N_("Training (onboarding day 7)"),
            N_("advocates a week in"),
            N_("Get more from {product}: training for you"),
            {**_ONBOARDING, "training": []},
        ),
        EmailKind(
            "onboarding_refer",
            N_("Refer a friend (onboarding day 14)"),
            N_("advocates two weeks in"),
            N_("Know someone who'd love {product}? Refer them"),
            _ONBOARDING,
        ),
        EmailKind(
            "onboarding_check_in",
            N_("Check-in (onboarding day 21)"),
            N_("advocates still without points after three weeks"),
            N_("Everything OK, {first_name}?"),
            _ONBOARDING,
        ),
        EmailKind(
            "quiet_nudge",
            N_("We miss you"),
            N_("advocates quiet for 30 and 60 days"),
            N_("We miss you at {program_name}"),
            {**_ONBOARDING, "second": False, "days": 31, "rewards": [], "challenges": []},
        ),
        EmailKind(
            "broadcast",
            N_("Message from the program team"),
            N_("the advocates a marketer sends a message to (Manage → Messages)"),
            "{headline}",
            {
                **_PROGRAM,
                "headline": "Our spring newsletter",
                "body_html": "<p>Hi Ada, here is what is new this spring.</p>",
                "body_text": "Hi Ada, here is what is new this spring.",
                "link": "https://portal.example/messages/1",
            },
        ),
        EmailKind(
            "sequence_step",
            N_("Sequence email written in Manage → Sequences"),
            N_("advocates on the step's day of onboarding or of a quiet spell"),
            N_("{first_name}, a note from {program_name}"),
            {
                **_ONBOARDING,
                "body_html": "<p>Hi Ada, did you know you can share our case studies?</p>",
                "body_text": "Hi Ada, did you know you can share our case studies?",
            },
        ),
        EmailKind(
            "weekly_digest",
            N_("Weekly digest"),
            N_("every advocate, on Mondays"),
            N_("Your week at {program_name}: {week_points} points"),
            {
                **_ONBOARDING,
                "week_points": 250,
                "rank": 12,
                "rank_change": 3,
                "new_rewards": ["Acme hoodie"],
                "new_content": ["2026 security white paper"],
                "new_challenges": ["Review us on G2"],
                "community_topics": ["How do you onboard a new team?"],
            },
        ),
        EmailKind(
            "program_summary",
            N_("Weekly program summary"),
            N_("marketers and admins who subscribe in Manage → Reports, on Mondays"),
            N_("{program_name} last week: {engaged} advocates engaged"),
            {
                **_PROGRAM,
                "week": "24 Nov 2026 to 30 Nov 2026",
                "engaged": 42,
                "figures": [("Engaged (earned points)", "42", "+12.0%")],
                "top_advocates": [("Grace Hopper", 1300)],
                "link": "https://portal.example/manage/reports/?span=custom",
            },
        ),
    ]
}
SECRET_LINKS = (INVITATION_LINK, RESET_LINK, UNSUBSCRIBE_LINK)


PLACEHOLDER = re.compile(r"\{(\w+)\}")
# What str.splitlines() splits on: the email library refuses all of them in a header.
LINE_BREAK = re.compile(r"[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")


def one_line(text: str) -> str:
    return LINE_BREAK.sub(" ", text)


def fill(template: str, context: dict[str, Any]) -> str:
    """Fills plain {name} fields from the email's context; anything else stays as typed
    (no attribute or format syntax, so a subject can't reach into the objects behind it).
    A filled value is one line, whatever a person typed into it."""

    def value(match: re.Match[str]) -> str:
        found = context.get(match.group(1))
        return one_line(str(found)) if isinstance(found, str | int) else match.group(0)

    return PLACEHOLDER.sub(value, template)
