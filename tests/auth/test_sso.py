"""Single sign-on, the account rule: accounts are linked to the provider's (issuer, subject);
an email links only when verified (or at an authoritative domain) and nothing else is linked;
just-in-time profile and groups from the claims."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.audit.models import AuditEntry
from portal.auth import service as auth
from portal.auth.models import SsoIdentity
from portal.outbox.models import OutboxEmail
from portal.people.models import Group, GroupMember, Role, User, UserStatus
from portal.program import service as program
from portal.program.service import SignupMode
from tests.factories import PASSWORD, make_admin, make_advocate, make_marketer, make_user
from tests.sso import asserted, make_sso_provider


async def _audit(session: AsyncSession, action: str, user: User) -> list[AuditEntry]:
    rows = await session.scalars(
        select(AuditEntry).where(AuditEntry.action == action, AuditEntry.target_id == user.id)
    )
    return list(rows)


async def _users(session: AsyncSession) -> int:
    return await session.scalar(select(func.count()).select_from(User)) or 0


async def _identities(session: AsyncSession, user: User) -> list[tuple[str, str]]:
    rows = await session.execute(
        select(SsoIdentity.issuer, SsoIdentity.subject).where(SsoIdentity.user_id == user.id)
    )
    return [tuple(row) for row in rows]


async def _groups(session: AsyncSession, user: User) -> set[str]:
    rows = await session.scalars(
        select(Group.name).join(GroupMember).where(GroupMember.user_id == user.id)
    )
    return set(rows)


@pytest.mark.parametrize(("email", "verified"), [("ada@example.com", False), ("", True)])
async def test_an_email_the_provider_has_not_verified_links_nothing(
    session: AsyncSession, email: str, verified: bool
) -> None:
    await make_advocate(session, email="ada@example.com")
    provider = await make_sso_provider(session)
    with pytest.raises(auth.EmailNotVerified) as refused:
        await auth.sso_sign_in(
            session, provider=provider, assertion=asserted(email, verified=verified)
        )
    assert refused.value.status_code == 403
    assert "did not give us a confirmed email address" in refused.value.message


async def test_the_first_sign_in_links_by_verified_email_and_later_ones_go_by_subject(
    session: AsyncSession,
) -> None:
    user = await make_advocate(session, email="ada@example.com")
    provider = await make_sso_provider(session)
    first = asserted("  ADA@Example.com ", sub="ada-at-acme")
    outcome = await auth.sso_sign_in(session, provider=provider, assertion=first)
    assert (outcome.user.id, outcome.linked) == (user.id, True)
    assert outcome.user.password_hash is not None  # the password still works as well
    assert await _identities(session, user) == [(first.issuer, "ada-at-acme")]
    [linked] = await _audit(session, "user.sso_linked", user)
    assert linked.actor_id == user.id
    assert "Acme ID by their verified email" in linked.summary
    # The provider now asserts another address (renamed mailbox): the subject still finds Ada.
    renamed = asserted("ada.king@example.com", sub="ada-at-acme", verified=False)
    again = await auth.sso_sign_in(session, provider=provider, assertion=renamed)
    assert (again.user.id, again.linked) == (user.id, False)
    assert len(await _audit(session, "user.sso_linked", user)) == 1


async def test_the_same_email_from_another_provider_does_not_get_a_linked_account(
    session: AsyncSession,
) -> None:
    user = await make_advocate(session, email="ada@example.com")
    acme = await make_sso_provider(session, name="Acme ID")
    other = await make_sso_provider(session, name="Other ID")
    await auth.sso_sign_in(session, provider=acme, assertion=asserted("ada@example.com"))
    with pytest.raises(auth.LinkedElsewhere) as refused:
        await auth.sso_sign_in(
            session,
            provider=other,
            assertion=asserted("ada@example.com", issuer="https://other.example"),
        )
    assert refused.value.status_code == 403
    assert "already linked to another single sign-on account" in refused.value.message
    # An address reassigned at the same provider (a new subject) is refused just the same.
    with pytest.raises(auth.LinkedElsewhere):
        await auth.sso_sign_in(session, provider=acme, assertion=asserted("ada@example.com"))
    assert len(await _identities(session, user)) == 1


async def test_an_authoritative_domain_counts_as_verified_without_email_verified(
    session: AsyncSession,
) -> None:
    staff = await make_marketer(session, email="mia@acme.example")
    guest = await make_advocate(session, email="gus@partner.example")
    entra = await make_sso_provider(
        session, name="Acme Entra", authoritative_domains=["acme.example"]
    )
    outcome = await auth.sso_sign_in(
        session, provider=entra, assertion=asserted("Mia@ACME.example", verified=False)
    )
    assert outcome.user.id == staff.id
    with pytest.raises(auth.EmailNotVerified):
        await auth.sso_sign_in(
            session, provider=entra, assertion=asserted(guest.email, verified=False)
        )


async def test_allowed_domains_and_roles_limit_who_a_provider_signs_in(
    session: AsyncSession,
) -> None:
    admin = await make_admin(session, email="root@acme.example")
    await make_advocate(session, email="ann@gmail.example")
    google = await make_sso_provider(session, name="Google", roles=[Role.ADVOCATE])
    entra = await make_sso_provider(session, name="Acme Entra", allowed_domains=["acme.example"])
    with pytest.raises(auth.RoleNotAllowed, match="can't sign in with Google"):
        await auth.sso_sign_in(session, provider=google, assertion=asserted(admin.email))
    assert await _identities(session, admin) == []  # nothing half-linked
    with pytest.raises(auth.DomainNotAllowed, match="Acme Entra signs in addresses"):
        await auth.sso_sign_in(session, provider=entra, assertion=asserted("ann@gmail.example"))
    assert (
        await auth.sso_sign_in(session, provider=entra, assertion=asserted(admin.email))
    ).user == admin


async def test_an_invited_user_is_activated_and_their_invitation_is_spent(
    session: AsyncSession,
) -> None:
    marketer = await make_marketer(session)
    invitation = await auth.invite(
        session,
        inviter=marketer,
        email="nina@example.com",
        display_name="Nina New",
        roles=[Role.ADVOCATE],
    )
    provider = await make_sso_provider(session)
    outcome = await auth.sso_sign_in(
        session, provider=provider, assertion=asserted("nina@example.com", name="Nina Provider")
    )
    user = outcome.user
    assert user.id == invitation.user.id
    assert user.status == UserStatus.ACTIVE
    assert user.display_name == "Nina New"  # the name the team chose stays
    await session.refresh(invitation)
    assert invitation.accepted_at is not None
    assert len(await _audit(session, "user.invitation_accepted", user)) == 1


@pytest.mark.parametrize("status", [UserStatus.SUSPENDED, UserStatus.PENDING])
async def test_suspended_and_pending_users_get_the_same_answer_as_with_a_password(
    session: AsyncSession, status: UserStatus
) -> None:
    user = await make_user(session, email="ada@example.com", status=status)
    provider = await make_sso_provider(session)
    with pytest.raises(auth.AccountNotActive) as by_password:
        await auth.authenticate(
            session,
            email=user.email,
            password=PASSWORD,
            client_address="10.0.0.1",
            secret="secret",
            max_failures=5,
            window=timedelta(minutes=15),
        )
    with pytest.raises(auth.AccountNotActive) as by_sso:
        await auth.sso_sign_in(session, provider=provider, assertion=asserted(user.email))
    assert by_sso.value.message == by_password.value.message
    assert user.status == status


async def test_an_unknown_email_is_refused_while_sign_up_is_closed(session: AsyncSession) -> None:
    provider = await make_sso_provider(session)
    before = await _users(session)
    with pytest.raises(auth.NoAccountForEmail) as refused:
        await auth.sso_sign_in(
            session, provider=provider, assertion=asserted("Stranger@Example.com")
        )
    assert refused.value.message == (
        "There is no account for stranger@example.com. Ask the program team for an invitation."
    )
    assert await _users(session) == before


async def test_open_sign_up_makes_a_linked_advocate_with_the_profile_from_the_claims(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    provider = await make_sso_provider(session)
    claims = asserted("pat@newco.example", name="  ", company="NewCo", job_title="CTO")
    user = (await auth.sso_sign_in(session, provider=provider, assertion=claims)).user
    assert user.status == UserStatus.ACTIVE
    assert user.role_set == {Role.ADVOCATE}
    assert user.password_hash is None
    assert (user.display_name, user.company, user.job_title) == ("pat", "NewCo", "CTO")
    assert await _identities(session, user) == [(claims.issuer, claims.subject)]
    [signed_up] = await _audit(session, "user.signed_up", user)
    assert "single sign-on (Acme ID)" in signed_up.summary
    assert await _audit(session, "user.sso_linked", user) == []  # SSO made it: nothing linked


async def test_the_claims_fill_only_the_profile_fields_the_person_left_empty(
    session: AsyncSession,
) -> None:
    user = await make_advocate(session, email="ada@example.com", company="Analytical Engines")
    provider = await make_sso_provider(session)
    claims = asserted(user.email, company="Babbage Ltd", job_title="Programmer")
    await auth.sso_sign_in(session, provider=provider, assertion=claims)
    assert (user.company, user.job_title) == ("Analytical Engines", "Programmer")


async def test_a_provider_that_does_not_sign_up_advocates_refuses_newcomers(
    session: AsyncSession,
) -> None:
    await program.update(session, actor=None, signup_mode=SignupMode.OPEN)
    staff_only = await make_sso_provider(session, roles=[Role.MARKETER, Role.ADMIN])
    before = await _users(session)
    with pytest.raises(auth.RoleNotAllowed):
        await auth.sso_sign_in(session, provider=staff_only, assertion=asserted("new@x.example"))
    assert await _users(session) == before


async def test_an_unknown_email_with_approval_waits_and_tells_the_approvers(
    session: AsyncSession,
) -> None:
    admin = await make_admin(session)
    await program.update(session, actor=admin, signup_mode=SignupMode.APPROVAL)
    provider = await make_sso_provider(session)
    claims = asserted("pat@newco.example", name="Pat Newcomer")
    user = (await auth.sso_sign_in(session, provider=provider, assertion=claims)).user
    assert user.status == UserStatus.PENDING
    notice = await session.scalar(select(OutboxEmail).where(OutboxEmail.kind == "signup_pending"))
    assert notice is not None
    assert notice.to_address == admin.email
    assert "Pat Newcomer" in notice.text_body
    with pytest.raises(auth.AccountNotActive, match="waiting for approval"):
        await auth.sso_sign_in(session, provider=provider, assertion=claims)


async def test_mapped_group_claims_join_and_leave_portal_groups(session: AsyncSession) -> None:
    emea = Group(name="EMEA customers")
    devs = Group(name="Developers")
    kept = Group(name="Beta testers")  # not mapped: the provider never touches it
    session.add_all([emea, devs, kept])
    await session.flush()
    user = await make_advocate(session, email="ada@example.com")
    session.add(GroupMember(group_id=kept.id, user_id=user.id))
    provider = await make_sso_provider(
        session,
        group_claim="groups",
        group_map=[("emea", emea), ("/eng/devs", devs), ("engineering", devs)],
    )
    claims = asserted(user.email, sub="ada", groups=["emea", "engineering", "sales"])
    await auth.sso_sign_in(session, provider=provider, assertion=claims)
    assert await _groups(session, user) == {"EMEA customers", "Developers", "Beta testers"}
    moved = asserted(user.email, sub="ada", groups=["/eng/devs"])
    await auth.sso_sign_in(session, provider=provider, assertion=moved)
    assert await _groups(session, user) == {"Developers", "Beta testers"}
    # No group claim at all (Entra leaves it out for someone in too many groups): unchanged.
    await auth.sso_sign_in(session, provider=provider, assertion=asserted(user.email, sub="ada"))
    assert await _groups(session, user) == {"Developers", "Beta testers"}
    await auth.sso_sign_in(
        session, provider=provider, assertion=asserted(user.email, sub="ada", groups=[])
    )
    assert await _groups(session, user) == {"Beta testers"}


async def test_the_profile_lists_the_linked_sign_ins(session: AsyncSession) -> None:
    user = await make_advocate(session, email="ada@example.com")
    provider = await make_sso_provider(session, name="Acme ID")
    await auth.sso_sign_in(session, provider=provider, assertion=asserted(user.email))
    [identity] = await auth.identities_of(session, user)
    assert identity.provider is not None
    assert (identity.provider.name, identity.email) == ("Acme ID", "ada@example.com")
