"""Demo of Invite many: customers brought over from an older program, invited from a pasted
list with their opening balances and answers to the region and customer-since profile fields,
one row left out because that person is already a member."""

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from portal.auth.models import BulkInvite
from portal.auth.service import bulk_invites
from portal.people.models import User

PASTED = """email,name,company,job title,groups,language,points,region,customer_since
ines.costa@marebrava.example,Inês Costa,Mare Brava,Head of IT,EMEA,pt-PT,420,EMEA,2018-05-02
ravi.menon@tidewater.example,Ravi Menon,Tidewater Ports,Platform Lead,Developers,en,1250,APAC,
chloe.martin@verdure.example,Chloé Martin,Verdure,CMO,EMEA,fr,80,EMEA,2020-11-17
felix.wagner@bergwerk.example,Felix Wagner,Bergwerk AG,SRE,Developers; EMEA,de,610,EMEA,
priya.raman@northwind.example,Priya Raman,Northwind Logistics,,,,,,
"""


async def seed(session: AsyncSession, users: dict[str, User]) -> None:
    if await session.scalar(select(exists().where(BulkInvite.id.is_not(None)))):
        return
    bulk = await bulk_invites.read_list(
        session, staff=users["marketer@acme.example"], text=PASTED, source="legacy-program.csv"
    )
    await bulk_invites.start_sending(session, staff=users["marketer@acme.example"], bulk=bulk)
    while await bulk_invites.invite_next_batch(session, bulk_invite_id=bulk.id):
        pass
