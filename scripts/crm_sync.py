"""Plays a CRM against a running portal: creates a referral by API for an advocate, then moves
it by its CRM id through the CRM's own stage names (mapped under Manage → Referrals) to
"Closed Won", then plays a web shop reporting a sale by the advocate's referral code alone (and
the same order again, which answers 200 with the first result). The advocate then sees the
timelines and the points.

    make run                                     # in one terminal: the demo on :8000
    .venv/bin/python scripts/crm_sync.py         # in another

PORTAL_URL (default http://127.0.0.1:8000), PORTAL_API_TOKEN (default: the demo's laptop
token) and ADVOCATE_EMAIL (default the demo's priya.raman@northwind.example) change the target.
"""

import os
import sys
import time

import httpx

BASE_URL = os.environ.get("PORTAL_URL", "http://127.0.0.1:8000").rstrip("/")
TOKEN = os.environ.get("PORTAL_API_TOKEN", "ap_demo0000_acme-laptop-demo-token")
ADVOCATE = os.environ.get("ADVOCATE_EMAIL", "priya.raman@northwind.example")
CRM_STAGES = ["Prospecting", "Discovery", "Proposal/Price Quote", "Closed Won"]


def check(response: httpx.Response) -> dict[str, object]:
    if response.is_error:
        sys.exit(
            f"{response.request.method} {response.request.url} → {response.status_code}:"
            f" {response.text}"
        )
    body: dict[str, object] = response.json()
    return body


def main() -> None:
    api = httpx.Client(
        base_url=f"{BASE_URL}/api/v1", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10
    )
    found = check(api.get("/advocates", params={"email": ADVOCATE}))["items"]
    if not isinstance(found, list) or not found:
        sys.exit(f"No advocate {ADVOCATE} in the portal.")
    advocate = found[0]
    print(f"{advocate['display_name']} has {advocate['points_current']:,} points.")
    run = int(time.time())
    deal_id = f"006-CRM-{run}"
    referral = check(
        api.post(
            "/referrals",
            json={
                "referrer_id": advocate["id"],
                "prospect": {
                    "name": "Morgan Blake",
                    "email": f"morgan.blake.{run}@example.com",
                    "company": "Blake Industrial",
                },
                "note": "Created by the CRM from a deal the advocate introduced.",
                "external_id": deal_id,
            },
        )
    )
    print(f"Created referral {referral['id']} (CRM id {deal_id}) at {referral['stage']}.")
    for crm_stage in CRM_STAGES:
        moved = check(
            api.patch(
                f"/referrals/by-external-id/{deal_id}",
                json={"stage": crm_stage, "note": f"CRM stage: {crm_stage}"},
            )
        )
        print(f"  CRM “{crm_stage}” → portal {moved['stage']}")
    order = {
        "order_id": f"SHOP-{run}",
        "referral_code": advocate["referral_code"],
        "deal_value": 49,
    }
    sale = check(api.post("/conversions", json=order))
    print(f"A shop sale by referral code alone ({order['order_id']}): repeated={sale['repeated']}.")
    again = api.post("/conversions", json=order)
    print(f"  The same order again: {again.status_code}, repeated={again.json()['repeated']}.")
    after = check(api.get(f"/advocates/{advocate['id']}"))
    print(f"{advocate['display_name']} now has {after['points_current']:,} points.")
    print(f"They see the timeline at {BASE_URL}/referrals/{referral['id']}")


if __name__ == "__main__":
    main()
