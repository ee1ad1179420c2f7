#!/usr/bin/env python3
"""Demo accounts and investing for `make run` (scripts/demo-data.sh), through the gateway's public
API as the apps would do it. Standard library only.

  scripts/demo-investing.py accounts     sign up the demo sponsor, admin and investors (verified
                                         with SQL; the admin given its staff role with SQL, as
                                         staff are made by hand); the sponsor becomes one through
                                         the API: it applies and the admin approves (issue 16);
                                         gives the sponsor an organisation for its firm and a
                                         public profile page; prints the
                                         sponsor's id for the listings
  scripts/demo-investing.py investing    offerings on two demo listings (Magnolia Court's with a
                                         subscription agreement its investors sign), funded positions,
                                         one completed distribution, a quarter's property financials,
                                         an appraisal, a K-1, a sent quarterly statement, and Magnolia
                                         Court set up as an OZ fund with its 2026 90% test values
  scripts/demo-investing.py dashboard-link
                                         a one-use link (5 minutes) to the staff analytics
                                         dashboard, minted as the demo admin

Idempotent: accounts that exist are kept, and the investing step is skipped once the demo
offerings exist. GATEWAY_URL defaults to http://127.0.0.1:8080.
"""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid

GATEWAY = os.environ.get("GATEWAY_URL", "http://127.0.0.1:8080")
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# (email, password, staff role or None, first name). Demo-only credentials, printed by the run.
# The sponsor has no role set by hand: it applies and the admin approves (`become_sponsor`).
SPONSOR = ("sponsor@demo.tract.test", "demo sponsor passphrase", None, "Sloane")
ADMIN = ("admin@demo.tract.test", "demo admin passphrase", "admin", "Avery")
INVESTORS = [
    ("investor@demo.tract.test", "demo investor passphrase", None, "Iris"),
    ("marcus@demo.tract.test", "demo investor passphrase", None, "Marcus"),
    ("priya@demo.tract.test", "demo investor passphrase", None, "Priya"),
]
ACCOUNTS = [SPONSOR, ADMIN, *INVESTORS]

MAGNOLIA = "01900000-0000-7000-8000-000000000001"
BAY_MINETTE = "01900000-0000-7000-8000-000000000002"
# (investor index, listing, amount, funding date)
POSITIONS = [
    (0, MAGNOLIA, "150000.00", "2025-12-15"),
    (0, BAY_MINETTE, "75000.00", "2026-02-02"),
    (1, MAGNOLIA, "250000.00", "2026-01-20"),
    (2, MAGNOLIA, "100000.00", "2026-03-05"),
]


def sql(statement):
    """Rows of one SQL statement run as the local superuser, as lists of strings."""
    out = subprocess.run(
        [os.path.join(REPO, "scripts/db.sh"), "psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", statement],
        check=True, capture_output=True, text=True,
    ).stdout
    return [line.split("\t") for line in out.splitlines() if line]


def quote(text):
    return "'" + text.replace("'", "''") + "'"


def call(method, path, body=None, token=None, idempotency_key=None, expect=(200, 201, 202)):
    request = urllib.request.Request(GATEWAY + path, method=method)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    if idempotency_key:
        request.add_header("Idempotency-Key", idempotency_key)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, text = response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        status, text = error.code, error.read().decode()
    if status not in expect:
        sys.exit(f"demo data: {method} {path} answered {status}: {text}")
    return json.loads(text) if text else {}


def upload(path, data, content_type, token):
    """POSTs raw bytes (a file), as the apps upload them."""
    request = urllib.request.Request(GATEWAY + path, method="POST", data=data)
    request.add_header("Content-Type", content_type)
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return json.loads(response.read().decode())
    except urllib.error.HTTPError as error:
        sys.exit(f"demo data: POST {path} answered {error.code}: {error.read().decode()}")


def demo_k1_pdf(partner, fund, year):
    """A one-page PDF saying what it is: a stand-in for the K-1 a fund's tax preparer issues."""
    text = f"DEMO Schedule K-1 (Form 1065) {year} - {partner} - {fund}"
    stream = f"BT /F1 14 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


# Magnolia Court's subscription agreement (issue 22): a tiny PDF each investor signs before committing.
AGREEMENT = (b"%PDF-1.4\n% Magnolia Court LLC subscription agreement (demo)\n"
             b"1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n")


def sign_in(account):
    email, password, _, _ = account
    return call("POST", "/v1/auth/token", {"grant_type": "password", "email": email, "password": password})["access_token"]


def ensure_accounts():
    emails = ", ".join(quote(a[0]) for a in ACCOUNTS)
    existing = {row[0] for row in sql(f"SELECT email FROM auth.users WHERE email IN ({emails}) AND deleted_at IS NULL")}
    for email, password, _, _ in ACCOUNTS:
        if email not in existing:
            # The sponsor arrives as a developer does, from the OZ site check (seed 000 entry point).
            source = "check_if_your_development_is_in_an_oz" if email == SPONSOR[0] else None
            call("POST", "/v1/auth/signup", {"email": email, "password": password, **({"source": source} if source else {})})
    # What staff do by hand: the demo addresses are not real mailboxes, so they are marked
    # verified, and the admin's staff role is set (auth never makes anyone staff itself).
    sql(f"UPDATE auth.users SET email_verified_at = coalesce(email_verified_at, now()) WHERE email IN ({emails})")
    for email, _, role, _ in ACCOUNTS:
        if role:
            sql(f"UPDATE auth.users SET account_role = {quote(role)} WHERE email = {quote(email)} AND account_role <> {quote(role)}")
    for account in ACCOUNTS:
        call("PATCH", "/v1/auth/me", {"first_name": account[3]}, token=sign_in(account))
    become_sponsor()
    return dict(sql(f"SELECT email, id FROM auth.users WHERE email IN ({emails}) AND deleted_at IS NULL"))


def become_sponsor():
    """Issue 16: the demo sponsor applies to list projects and the demo admin approves, through the
    API. Skipped once it is a sponsor; a pending application from an earlier run is approved."""
    token = sign_in(SPONSOR)
    if call("GET", "/v1/auth/me", token=token)["current_role"] == "sponsor":
        return
    mine = call("GET", "/v1/auth/sponsor-applications", token=token)["data"]
    pending = next((a for a in mine if a["status"] == "pending"), None)
    if pending is None:
        pending = call("POST", "/v1/auth/sponsor-applications", {
            "legal_name": "Magnolia Court Development LLC", "website": "https://magnolia-court.example", "tax_id": "12-3456789",
            "title": "Managing member", "description": "Opportunity-zone multifamily in the Gulf South.", "project_count": 2,
            "markets": ["Mobile, AL", "Baldwin County, AL"],
        }, token=token)
    call("POST", f"/v1/auth/admin/sponsor-applications/{pending['id']}/approve", token=sign_in(ADMIN))


def sponsor_organization():
    """The demo sponsor's firm as an organisation (issue 16), made through the API once; the sponsor
    owns it and can invite colleagues (GET/POST /v1/auth/organizations/{id}/invitations)."""
    token = sign_in(SPONSOR)
    if not call("GET", "/v1/auth/organizations", token=token)["data"]:
        call("POST", "/v1/auth/organizations",
             {"slug": "magnolia-court-development", "name": "Magnolia Court Development LLC", "kind": "sponsor_firm"}, token=token)


def sponsor_profile():
    """The demo sponsor's public profile page (GET /v1/auth/profiles/sloane-ridge-capital)."""
    call("PATCH", "/v1/auth/me/profile", {
        "slug": "sloane-ridge-capital", "headline": "Opportunity Zone multifamily sponsor",
        "bio": "Demo sponsor: ground-up and value-add multifamily in Opportunity Zones across the Gulf South.",
        "company": "Sloane Ridge Capital (demo)", "position": "Managing partner",
        "location_city": "Mobile", "location_state": "AL", "location_country": "US", "timezone": "America/Chicago",
        "website_url": "https://sponsor.demo.tract.test", "property_types": ["multi_family", "mixed_use"],
        "markets": ["Mobile, AL", "Baldwin County, AL"],
        "visibility": {"name": "public", "headline": "public", "bio": "public", "company": "public", "position": "public",
                       "location": "public", "website_url": "public", "investment_preferences": "signed_in"},
    }, token=sign_in(SPONSOR))


def investing(ids):
    if sql(f"SELECT count(*) FROM investments.offerings WHERE property_id IN ({quote(MAGNOLIA)}, {quote(BAY_MINETTE)})")[0][0] != "0":
        print("demo data: demo offerings exist already; investing left as it is", file=sys.stderr)
        return
    sponsor, admin = sign_in(SPONSOR), sign_in(ADMIN)
    investors = [sign_in(account) for account in INVESTORS]
    key = lambda: f"demo-{uuid.uuid4()}"

    offerings = {}
    for listing in (MAGNOLIA, BAY_MINETTE):
        offering = call("POST", "/v1/offerings", {"property_id": listing, "requires_accreditation": False}, token=sponsor)
        offerings[listing] = offering["id"]
    position_ids = []
    # Magnolia Court is sold by subscription agreement: attached to its offering, it must be signed
    # (ESIGN consent, the version's SHA-256, the typed name) before each commitment and funding.
    agreement = upload(
        f"/v1/properties/{MAGNOLIA}/documents?name=Subscription%20Agreement&visibility=investors&type=contract"
        "&category=legal&file_name=subscription-agreement.pdf", AGREEMENT, "application/pdf", sponsor)
    call("PUT", f"/v1/offerings/{offerings[MAGNOLIA]}/documents/subscription_agreement", {"document_id": agreement["id"]}, token=sponsor)
    consent = call("GET", f"/v1/offerings/{offerings[MAGNOLIA]}/documents", token=sponsor)["esign_consent"]["version"]
    for investor, listing, amount, funded_on in POSITIONS:
        token = investors[investor]
        if listing == MAGNOLIA:
            call("POST", f"/v1/offerings/{offerings[MAGNOLIA]}/documents/subscription_agreement/sign", {
                "document_sha256": agreement["file_hash"], "typed_name": f"{INVESTORS[investor][3]} Demo",
                "esign_consent": True, "consent_version": consent,
            }, token=token)
        pending = call("POST", f"/v1/offerings/{offerings[listing]}/investments", {"amount": amount}, token=token, idempotency_key=key())
        position_ids.append(pending["id"])
        call("POST", f"/v1/investments/{pending['id']}/commit", token=token, idempotency_key=key())
        call("POST", f"/v1/investments/{pending['id']}/fund", {"date": funded_on}, token=sponsor, idempotency_key=key())

    # Q3 2026 income from Magnolia Court, paid pro rata to its three investors.
    distribution = call("POST", "/v1/distributions", {
        "offering_id": offerings[MAGNOLIA], "distribution_type": "quarterly", "distribution_date": "2026-09-30",
        "total_amount": "12500.00", "calculation_method": "pro_rata",
    }, token=sponsor, idempotency_key=key())
    call("POST", f"/v1/distributions/{distribution['id']}/complete", token=sponsor, idempotency_key=key())

    # Magnolia Court's Q3 2026 books: income, expenses and the published performance its investors
    # read (NOI, cap rate, DSCR, cash-on-cash), and two rows of its rent roll.
    books = f"/v1/financials/properties/{MAGNOLIA}"
    quarter = {"period_start": "2026-07-01", "period_end": "2026-09-30"}
    call("POST", f"{books}/income", {**quarter, "gross_rental_income": "398000", "vacancy_loss": "33800",
        "concessions": "4000", "bad_debt": "2100", "parking_income": "3600", "laundry_income": "2400",
        "pet_income": "1800", "application_fees": "600", "late_fees": "450", "other_income": "900"}, token=sponsor)
    call("POST", f"{books}/expenses", {**quarter, "property_management": "14800", "maintenance_repairs": "21500",
        "utilities": "16200", "insurance": "9800", "property_taxes": "24600", "payroll": "28400", "advertising": "2300",
        "legal_professional": "1900", "landscaping": "2700", "capital_improvements": "310000",
        "mortgage_principal": "38000", "mortgage_interest": "71500"}, token=sponsor)
    call("POST", f"{books}/performance", {**quarter, "property_value": "11400000", "equity": "3950000",
        "units_total": 120, "units_occupied": 109, "rent_collected": "355900"}, token=sponsor)
    for unit_id, number, tenant, rent in [("01900000-0000-7000-8000-000000000201", "101", "J. Whitfield", "925.00"),
                                          ("01900000-0000-7000-8000-000000000203", "201", "R. Okafor", "1295.00")]:
        call("POST", f"{books}/rent-roll", {"as_of_date": "2026-09-30", "unit_id": unit_id, "unit_number": number,
            "tenant_name": tenant, "lease_start": "2026-02-01", "lease_end": "2027-01-31", "monthly_rent": rent,
            "security_deposit": rent, "current_balance": "0.00", "days_delinquent": 0}, token=sponsor)

    # Magnolia Court appraised after the quarter; the offering's loan balance against it. Positions
    # are worth their share of 11,400,000 − 10,850,000 = 550,000 on 500,000 funded: Iris's 150,000
    # (30%) is worth 165,000, a 15,000 unrealized gain (GET /v1/portfolio).
    call("PUT", f"/v1/offerings/{offerings[MAGNOLIA]}/property-debt", {"property_debt": "10850000.00"}, token=sponsor)
    call("POST", f"/v1/properties/{MAGNOLIA}/valuations", {"valuation_date": "2026-10-15", "valuation_type": "appraisal",
        "valuation_method": "income", "valuation_amount": "11400000.00", "appraiser_name": "Dana Whitfield, MAI",
        "cap_rate_used": 6.25, "noi_used": "712500.00"}, token=sponsor)

    # Iris's 2025 K-1 for Magnolia Court (she funded in December 2025), delivered and announced.
    investor_id = ids[INVESTORS[0][0]]
    upload(f"/v1/offerings/{offerings[MAGNOLIA]}/k1s?tax_year=2025&investor_id={investor_id}&file_name=K-1%202025%20Magnolia%20Court.pdf",
           demo_k1_pdf("Iris", "Magnolia Court", 2025), "application/pdf", sponsor)

    # The printed investor's Q3 2026 statement: drawn up, made final and sent (the email lands in
    # the local mail folder).
    statement = call("POST", "/v1/statements", {
        "investor_id": investor_id, "type": "quarterly", "period_start": "2026-07-01", "period_end": "2026-09-30",
    }, token=admin)
    call("POST", f"/v1/statements/{statement['id']}/finalize", token=admin)
    call("POST", f"/v1/statements/{statement['id']}/send", token=admin)
    print(f"demo data: 2 offerings, {len(POSITIONS)} funded positions, 1 completed distribution, Q3 2026 financials"
          " for Magnolia Court (its investors signed its subscription agreement), its appraisal and debt, 1 K-1,"
          " 1 sent statement", file=sys.stderr)
    compliance(offerings[MAGNOLIA], sponsor)
    # Iris deferred a $120,000 long-term gain of 2025-10-01 into her $150,000 Magnolia position
    # (funded 2025-12-15, inside the 180 days): her Form 8997 for 2025 lists it acquired and held at
    # the year's end with $120,000.00 deferred, inclusion 2026-12-31 (TCJA text).
    call("PUT", f"/v1/compliance/positions/{position_ids[0]}/deferred-gain",
         {"gain_amount": "120000", "gain_date": "2025-10-01", "term": "long"}, token=investors[0])


def compliance(offering, sponsor):
    """Magnolia Court as a qualified opportunity fund (issue 21): a calendar-year partnership, a QOF
    since December 2025, so 2026 tests on June 30 and December 31. Hand-computed: June 9.2M / 10M =
    92.00%; December 8.4M of 10M with the $1M received 2026-10-15 still in cash left out =
    8.4M / 9M = 93.33%; average 92.67%, no penalty (GET /v1/compliance/funds/<id>/form-8996/2026).
    The building (bought 2025-09-15, $2.5M of the $3.4M price) needs more than $2.5M of
    improvements by 2028-03-15."""
    fund = f"/v1/compliance/funds/{offering}"
    call("PUT", fund, {"entity_type": "partnership", "tax_year_end_month": 12, "first_qof_month": "2025-12",
        "self_certified_on": "2025-12-01", "holds": "direct", "valuation_method": "cost"}, token=sponsor)
    call("PUT", f"{fund}/asset-tests/2026-06-30", {"qualifying_assets": "9200000", "total_assets": "10000000",
        "cash_held": "800000", "contributions": []}, token=sponsor)
    call("PUT", f"{fund}/asset-tests/2026-12-31", {"qualifying_assets": "8400000", "total_assets": "10000000",
        "cash_held": "1600000", "contributions": [{"on": "2026-10-15", "amount": "1000000"}]}, token=sponsor)
    call("PUT", f"{fund}/substantial-improvement", {"acquired_on": "2025-09-15", "purchase_price": "3400000",
        "land_basis": "900000", "building_basis": "2500000",
        "schedule": [{"on": "2027-03-01", "amount": "1200000"}, {"on": "2027-10-01", "amount": "1400000"}]}, token=sponsor)
    print(f"demo data: Magnolia Court is a QOF; Form 8996 figures at {GATEWAY}{fund}/form-8996/2026 (as the sponsor)",
          file=sys.stderr)


def main():
    step = sys.argv[1] if len(sys.argv) > 1 else ""
    if step == "accounts":
        ids = ensure_accounts()
        sponsor_organization()
        sponsor_profile()
        print(ids[SPONSOR[0]])
    elif step == "investing":
        investing(dict(sql("SELECT email, id FROM auth.users WHERE deleted_at IS NULL AND email LIKE '%@demo.tract.test'")))
    elif step == "dashboard-link":
        print(GATEWAY + call("POST", "/v1/analytics/dashboard/links", token=sign_in(ADMIN))["url"])
    else:
        sys.exit("usage: scripts/demo-investing.py accounts|investing|dashboard-link")


if __name__ == "__main__":
    main()
