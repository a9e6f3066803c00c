"""Importing referrals from a CSV (a CRM export): read the table, map its columns to the
referral's fields, check every row against the same rules as the form (plus the file's own
duplicates), then create them through `submit_referral` and `move_referral`. Nothing is written
unless every row is valid, or the person chose to import only the valid ones."""

import csv
import io
from dataclasses import dataclass, field

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from portal import i18n, parsing
from portal.errors import PortalError
from portal.i18n import N_, gettext
from portal.parsing import INT4_MAX, InvalidInput
from portal.people.models import User, UserStatus
from portal.referrals.models import CloseReason, Referral, Source, Stage
from portal.referrals.service.pipeline import (
    Prospect,
    move_referral,
    normalize_email,
    submit_referral,
)

MAX_ROWS = 2_000


@dataclass(frozen=True)
class ImportField:
    name: str
    label: str
    required: bool
    max_length: int
    guesses: tuple[str, ...]  # header names (lower-case) a CRM export tends to use


FIELDS = [
    ImportField(
        "referrer_email",
        "Referrer's email",
        True,
        320,
        ("referrer email", "referrer", "advocate email", "referred by"),
    ),
    ImportField(
        "prospect_name",
        "Prospect's name",
        True,
        120,
        ("name", "prospect name", "contact name", "full name", "contact"),
    ),
    ImportField(
        "prospect_email",
        "Prospect's email",
        True,
        320,
        ("email", "prospect email", "contact email", "e-mail"),
    ),
    ImportField(
        "company", "Company", False, 200, ("company", "account", "account name", "organization")
    ),
    ImportField("job_title", "Job title", False, 200, ("job title", "title", "role")),
    ImportField("phone", "Phone", False, 40, ("phone", "phone number", "telephone")),
    ImportField("stage", "Stage", False, 20, ("stage", "status", "deal stage")),
    ImportField(
        "external_id",
        "CRM id",
        False,
        100,
        ("external id", "external_id", "id", "crm id", "deal id", "record id"),
    ),
    ImportField(
        "deal_value", "Deal value", False, 12, ("deal value", "amount", "value", "deal amount")
    ),
]
FIELD_NAMES = [f.name for f in FIELDS]
Mapping = dict[str, int | None]  # field name → column index


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[list[str]]


def read_table(text: str) -> Table:
    """The CSV's header and rows (blank lines skipped); refuses an empty or oversized one."""
    try:
        lines = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    except csv.Error as error:
        raise PortalError(
            gettext("This file can't be read as CSV (%(error)s).") % {"error": error}
        ) from error
    if len(lines) < 2:
        raise PortalError(N_("The file needs a header row and at least one referral."))
    if len(lines) - 1 > MAX_ROWS:
        raise PortalError(
            gettext("Import at most %(count)s referrals at a time.")
            % {"count": i18n.number(MAX_ROWS)}
        )
    header = [parsing.clean(cell.strip()) for cell in lines[0]]
    return Table(header, [[parsing.clean(cell.strip()) for cell in row] for row in lines[1:]])


def guess_mapping(header: list[str]) -> Mapping:
    lowered = [name.lower().replace("_", " ").strip() for name in header]
    mapping: Mapping = {}
    for import_field in FIELDS:
        wanted = {guess.replace("_", " ") for guess in import_field.guesses}
        mapping[import_field.name] = next(
            (index for index, name in enumerate(lowered) if name in wanted), None
        )
    return mapping


def mapping_errors(mapping: Mapping) -> dict[str, str]:
    errors = {
        f.name: f"Choose the column that holds the {f.label.lower()}."
        for f in FIELDS
        if f.required and mapping.get(f.name) is None
    }
    used = [index for index in mapping.values() if index is not None]
    if len(used) != len(set(used)):
        errors["__all__"] = "Each column can fill one field only."
    return errors


@dataclass
class Row:
    number: int  # the line in the file, header = 1
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    stage: Stage = Stage.SUBMITTED
    deal_value: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors


def _stage(value: str) -> Stage | None:
    wanted = value.strip().lower().replace(" ", "_")
    if not wanted:
        return Stage.SUBMITTED
    return next((stage for stage in Stage if stage.value == wanted), None)


def _check_shape(row: Row) -> None:
    for import_field in FIELDS:
        value = row.values[import_field.name]
        if import_field.required and not value:
            row.errors.append(f"{import_field.label} is missing.")
        elif len(value) > import_field.max_length:
            row.errors.append(
                f"{import_field.label} is longer than {import_field.max_length} characters."
            )
    for name in ("referrer_email", "prospect_email"):
        if row.values[name]:
            try:
                validate_email(row.values[name], check_deliverability=False)
            except EmailNotValidError:
                row.errors.append(f"{row.values[name]} is not an email address.")
    stage = _stage(row.values["stage"])
    if stage is None or stage == Stage.REJECTED:
        row.errors.append(
            f"Stage “{row.values['stage']}” is not one of submitted, contacted, qualified, "
            "opportunity, won or lost."
        )
    else:
        row.stage = stage
    if row.values["deal_value"]:
        try:
            row.deal_value = parsing.whole_number(
                row.values["deal_value"].replace(" ", ""), minimum=0, maximum=INT4_MAX
            )
        except InvalidInput:
            row.errors.append(f"Deal value “{row.values['deal_value']}” is not a whole amount.")


async def check_rows(session: AsyncSession, table: Table, mapping: Mapping) -> list[Row]:
    """Every row with what is wrong with it, read against the database in three queries."""
    rows = []
    for number, cells in enumerate(table.rows, start=2):
        values = {
            name: (cells[index] if index is not None and index < len(cells) else "")
            for name, index in ((name, mapping.get(name)) for name in FIELD_NAMES)
        }
        values["referrer_email"] = normalize_email(values["referrer_email"])
        values["prospect_email"] = normalize_email(values["prospect_email"])
        row = Row(number, values)
        _check_shape(row)
        rows.append(row)
    emails = {r.values["referrer_email"] for r in rows} | {r.values["prospect_email"] for r in rows}
    found = await session.execute(
        select(func.lower(User.email), User.status).where(func.lower(User.email).in_(emails))
    )
    members: dict[str, str] = dict(found.all())
    referred = set(
        await session.scalars(
            select(Referral.prospect_email).where(
                Referral.prospect_email.in_(emails), Referral.stage != Stage.REJECTED
            )
        )
    )
    external_ids = {r.values["external_id"] for r in rows if r.values["external_id"]}
    taken_ids = set(
        await session.scalars(
            select(Referral.external_id).where(Referral.external_id.in_(external_ids))
        )
    )
    seen_prospects: dict[str, int] = {}
    seen_ids: dict[str, int] = {}
    for row in rows:
        referrer, prospect, external_id = (
            row.values["referrer_email"],
            row.values["prospect_email"],
            row.values["external_id"],
        )
        if referrer and members.get(referrer) != UserStatus.ACTIVE:
            row.errors.append(f"No active member has the email {referrer}.")
        if prospect in members:
            row.errors.append(f"{prospect} is a member: members can't be referred.")
        elif prospect in referred:
            row.errors.append(f"{prospect} has already been referred.")
        elif prospect and prospect in seen_prospects:
            row.errors.append(f"{prospect} is also on line {seen_prospects[prospect]}.")
        if external_id in taken_ids:
            row.errors.append(f"CRM id {external_id} is already on a referral.")
        elif external_id and external_id in seen_ids:
            row.errors.append(f"CRM id {external_id} is also on line {seen_ids[external_id]}.")
        seen_prospects.setdefault(prospect, row.number)
        if external_id:
            seen_ids.setdefault(external_id, row.number)
    return rows


class RowsInvalid(PortalError):
    status_code = 422

    def __init__(self, count: int) -> None:
        super().__init__(
            f"{count} row{'s' if count != 1 else ''} can't be imported: fix the file, or tick "
            "“Import only the valid rows”. Nothing was imported."
        )


async def import_rows(
    session: AsyncSession, rows: list[Row], *, actor: User, history: bool, only_valid: bool
) -> list[Referral]:
    """Creates the valid rows' referrals, each moved to its stage. `history`: past referrals,
    which pay no points and tell nobody."""
    invalid = [row for row in rows if not row.ok]
    if invalid and not only_valid:
        raise RowsInvalid(len(invalid))
    valid = [row for row in rows if row.ok]
    if not valid:
        raise PortalError(N_("No row can be imported. Nothing was imported."))
    referrers = {
        user.email.lower(): user
        for user in await session.scalars(
            select(User).where(
                func.lower(User.email).in_({r.values["referrer_email"] for r in valid})
            )
        )
    }
    created = []
    for row in valid:
        referrer = referrers[row.values["referrer_email"]]
        referral = await submit_referral(
            session,
            referrer=referrer,
            prospect=Prospect(
                name=row.values["prospect_name"],
                email=row.values["prospect_email"],
                company=row.values["company"],
                job_title=row.values["job_title"],
                phone=row.values["phone"],
            ),
            source=Source.IMPORT,
            history=history,
            external_id=row.values["external_id"] or None,
            deal_value=row.deal_value,
        )
        set_committed_value(referral, "referrer", referrer)
        if row.stage != Stage.SUBMITTED:
            await move_referral(
                session,
                referral,
                to=row.stage,
                actor=actor,
                via="import",
                reason=CloseReason.NOT_A_FIT if row.stage == Stage.LOST else None,
                history=history,
            )
        created.append(referral)
    await session.flush()
    return created
