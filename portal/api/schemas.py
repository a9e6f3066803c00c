"""The API's request and response models: they validate what comes in, shape what goes out and
are the OpenAPI document's schemas. Lengths come from the columns they fill."""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, EmailStr, Field, StringConstraints

from portal.parsing import has_control
from portal.referrals.models import CloseReason, Referral, Source, Stage


def _without_control_characters(value: str) -> str:
    # The forms refuse them too (portal.parsing): NUL and escapes have no place in a name, and
    # PostgreSQL refuses NUL outright.
    if has_control(value):
        raise ValueError("Remove the control characters.")
    return value


PLAIN = AfterValidator(_without_control_characters)


def bounded(max_length: int, *, required: bool = False) -> StringConstraints:
    """Trimmed text of at most `max_length` (the column's) characters; `required`: not empty."""
    return StringConstraints(
        strip_whitespace=True, min_length=1 if required else 0, max_length=max_length
    )


Text = Annotated[str, bounded(200), PLAIN]
Name = Annotated[str, bounded(120, required=True), PLAIN]
# CRM ids and stage names: whatever the CRM uses, within the column's length.
CrmText = Annotated[str, bounded(100, required=True), PLAIN]
Id = Annotated[int, Field(ge=1, le=2_147_483_647)]
Money = Annotated[int, Field(ge=0, le=2_147_483_647)]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ProspectIn(Strict):
    name: Name
    email: EmailStr = Field(max_length=320)
    company: Text = ""
    job_title: Text = ""
    phone: Annotated[str, bounded(40), PLAIN] = ""


class ReferralCreate(Strict):
    """A new referral for an advocate (by id or email), checked like the form's: one referral
    per prospect, no self-referrals, the same screening."""

    referrer_id: Id | None = None
    referrer_email: EmailStr | None = Field(default=None, max_length=320)
    prospect: ProspectIn
    note: Annotated[str, bounded(2000), PLAIN] = ""
    external_id: CrmText | None = None
    deal_value: Money | None = None


class ReferralUpdate(Strict):
    """Any of: a stage (a portal stage or a CRM stage name mapped in Manage → Referrals; `lost`
    and `rejected` need a `reason`), a note for the timeline, the CRM id, the owner (a sales
    rep's email, or null for nobody), the deal value."""

    stage: Annotated[str, bounded(100, required=True), PLAIN] | None = None
    reason: CloseReason | None = None
    note: Annotated[str, bounded(500), PLAIN] = ""
    external_id: CrmText | None = None
    owner_email: EmailStr | None = Field(default=None, max_length=320)
    deal_value: Money | None = None


class ProspectOut(BaseModel):
    name: str
    email: str | None = Field(description="None for a sale reported by referral code alone.")
    company: str
    job_title: str
    phone: str


class ReferralOut(BaseModel):
    id: int
    referrer_id: int
    referrer_email: str
    prospect: ProspectOut
    note: str
    source: Source
    stage: Stage
    reached_stage: Stage
    close_reason: CloseReason | None
    owner_email: str | None
    external_id: str | None = Field(description="The CRM's id.")
    order_id: str | None = Field(description="The order or deal a conversion reported.")
    deal_value: int | None
    flags: list[str]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, referral: Referral) -> "ReferralOut":
        return cls(
            id=referral.id,
            referrer_id=referral.referrer_id,
            referrer_email=referral.referrer.email,
            prospect=ProspectOut(
                name=referral.prospect_name,
                email=referral.prospect_email or None,
                company=referral.prospect_company,
                job_title=referral.prospect_job_title,
                phone=referral.prospect_phone,
            ),
            note=referral.note,
            source=Source(referral.source),
            stage=Stage(referral.stage),
            reached_stage=Stage(referral.reached_stage),
            close_reason=CloseReason(referral.close_reason) if referral.close_reason else None,
            owner_email=referral.owner.email if referral.owner else None,
            external_id=referral.external_id,
            order_id=referral.order_id,
            deal_value=referral.deal_value,
            flags=referral.flags.split(),
            created_at=referral.created_at,
            updated_at=referral.updated_at,
        )


class ReferralQuery(Strict):
    stage: Stage | None = None
    owner_id: Id | None = None
    referrer_id: Id | None = None
    updated_since: datetime | None = None
    cursor: Annotated[int, Field(ge=0, le=2_147_483_647)] = 0
    limit: Annotated[int, Field(ge=1, le=100)] = 50


class ReferralPage(BaseModel):
    items: list[ReferralOut]
    next_cursor: int | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
