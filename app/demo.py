"""Demo data (`flask demo load`): two organisations, four municipalities, ~200 cases."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal
from typing import Any

from flask import current_app
from sqlalchemy import func, select

from .extensions import db
from .models import (
    Advice,
    AllowlistEntry,
    Case,
    CaseEvent,
    CaseKind,
    CaseStatus,
    CheckMode,
    ContactPreference,
    Decision,
    Memo,
    Organisation,
    OrganisationKind,
    Resident,
    TemplateEvent,
    User,
)
from .models.types import utcnow
from .roles import ROLE_BEHEERDER, ROLE_MEDEWERKER
from .services.bsn import generate as make_bsn
from .services.messaging import outbox
from .services.ockto import deliveries, invitations, sandbox
from .services.onboarding import checklist
from .services.onboarding.municipalities import create_municipality
from .services.unit import Work, transactional

DEMO_PASSWORD = "Demo-Welkom-2026!"  # noqa: S105 - documented demo password

FIRST_NAMES = [
    ("Johannes", "J."),
    ("Maria", "M."),
    ("Pieter", "P."),
    ("Anna", "A."),
    ("Willem", "W."),
    ("Cornelia", "C."),
    ("Hendrik", "H."),
    ("Johanna", "J."),
    ("Gerrit", "G."),
    ("Elisabeth", "E."),
    ("Daan", "D."),
    ("Sanne", "S."),
    ("Mohamed", "M."),
    ("Fatima", "F."),
    ("Sem", "S."),
    ("Emma", "E."),
    ("Lucas", "L."),
    ("Julia", "J."),
    ("Ahmet", "A."),
    ("Ayşe", "A."),
    ("Jeroen", "J."),
    ("Marieke", "M."),
    ("Bram", "B."),
    ("Lotte", "L."),
    ("Kees", "K."),
    ("Inge", "I."),
    ("Ruud", "R."),
    ("Femke", "F."),
    ("Thijs", "T."),
    ("Noor", "N."),
]
SURNAMES = [
    (None, "Jansen"),
    ("de", "Vries"),
    ("van den", "Berg"),
    ("van", "Dijk"),
    (None, "Bakker"),
    (None, "Visser"),
    (None, "Smit"),
    (None, "Meijer"),
    ("de", "Boer"),
    (None, "Mulder"),
    ("de", "Groot"),
    (None, "Bos"),
    (None, "Vos"),
    (None, "Peters"),
    (None, "Hendriks"),
    ("van", "Leeuwen"),
    (None, "Dekker"),
    (None, "Brouwer"),
    ("de", "Wit"),
    (None, "Dijkstra"),
    (None, "Yılmaz"),
    (None, "El Amrani"),
    ("van der", "Meer"),
    (None, "Kok"),
    ("de", "Jong"),
    (None, "Öztürk"),
    ("van", "Wijk"),
    (None, "Schouten"),
    ("van der", "Linden"),
    (None, "Kramer"),
]
PLACES = {
    "0193": [
        (
            "Zwolle",
            "80",
            [
                "Kerkstraat",
                "Assendorperstraat",
                "Diezerstraat",
                "Groot Wezenland",
                "Thorbeckegracht",
                "Hortensiastraat",
                "Veerallee",
                "Wipstrikkerallee",
            ],
        )
    ],
    "0534": [
        (
            "Hillegom",
            "218",
            [
                "Hoofdstraat",
                "Weeresteinstraat",
                "Van den Endelaan",
                "Meerlaan",
                "Pastoorslaan",
                "Sixlaan",
            ],
        )
    ],
    "0553": [
        (
            "Lisse",
            "216",
            [
                "Kanaalstraat",
                "Heereweg",
                "Grachtweg",
                "Nassaustraat",
                "Achterweg",
                "Rooversbroekdijk",
            ],
        )
    ],
    "1525": [
        ("Sassenheim", "217", ["Hoofdstraat", "Parklaan", "Menneweg"]),
        ("Voorhout", "221", ["Herenstraat", "Jacoba van Beierenweg", "Oude Herenweg"]),
        ("Warmond", "236", ["Dorpsstraat", "Herenweg", "Veerpolder"]),
    ],
}
INSURERS = [
    ("Zilveren Kruis", "AV Gemeente Compleet"),
    ("Menzis", "GemeenteVerzekering Top"),
    ("VGZ", "Gemeentepakket Uitgebreid"),
    ("CZ", "Zorg voor Gemeente Plus"),
]
MEMO_TEXTS = [
    "Inwoner gebeld: gegevens worden deze week aangeleverd.",
    "Telefonisch contact gehad, uitleg gegeven over de Ockto-app.",
    "Partner verblijft tijdelijk elders; navragen bij volgende contact.",
    "Bewijsstuk pensioen per post ontvangen en geüpload.",
    "Inwoner heeft bezwaar overwogen maar ziet ervan af.",
    "Schuldhulpverlening is betrokken; afstemmen met consulent.",
]
STATUS_WEIGHTS = [
    (CaseStatus.NEW, 24),
    (CaseStatus.INVITED, 40),
    (CaseStatus.DATA_RECEIVED, 34),
    (CaseStatus.INFO_REQUESTED, 14),
    (CaseStatus.ON_HOLD, 12),
    (CaseStatus.DECIDED, 62),
    (CaseStatus.ABORTED, 14),
]


def is_loaded() -> bool:
    """Whether the demo (or any real organisation) is already in the database."""
    return (db.session.scalar(select(func.count(Organisation.id))) or 0) > 0


def _user(username: str, first: str, last: str, org: Organisation, role: str) -> User:
    sm = current_app.appbuilder.sm
    user = sm.add_user(
        username=username,
        first_name=first,
        last_name=last,
        email=f"{username}@demo.gemeentepolis.nl",
        role=sm.find_role(role),
        password=DEMO_PASSWORD,
    )
    user.organisation = org
    return user


class _Generator:
    def __init__(self, seed: int = 2026) -> None:
        self.rng = random.Random(seed)
        self.bsns: set[str] = set()
        self.now = utcnow()
        self.app_seq = 4000
        self.contract_seq = 70000

    def person(
        self, municipality: Any, adult: bool = True, surname: tuple | None = None
    ) -> Resident:
        rng = self.rng
        first, initials = rng.choice(FIRST_NAMES)
        prefix, last = surname or rng.choice(SURNAMES)
        today = self.now.date()
        age = rng.randint(19, 84) if adult else rng.randint(0, 17)
        birth = today - dt.timedelta(days=age * 365 + rng.randint(0, 364))
        city, pc, streets = rng.choice(PLACES[municipality.cbs_code])
        resident = Resident(
            municipality=municipality,
            bsn=make_bsn(rng, self.bsns),
            initials=initials,
            first_names=first,
            prefix=prefix,
            surname=last,
            birth_date=birth,
            street=rng.choice(streets),
            house_number=str(rng.randint(1, 180)),
            house_number_suffix=rng.choice([None, None, None, "A", "B", "bis"]),
            postcode=f"{pc}{rng.randint(0, 9) if len(pc) == 3 else rng.randint(10, 99)} "
            f"{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}{rng.choice('ABCDEGHJKLMNPRSTVWXZ')}",
            city=city,
        )
        if adult:
            slug = f"{first}.{(prefix or '').replace(' ', '')}{last}".lower()
            slug = slug.replace("ş", "s").replace("ı", "i").replace("ö", "o").replace("ü", "u")
            resident.email = f"{slug.replace(' ', '')}{rng.randint(1, 99)}@example.nl"
            resident.phone = f"06{rng.randint(10000000, 99999999)}"
        db.session.add(resident)
        return resident

    def case(self, municipality: Any, status: CaseStatus, users: list[User]) -> Case:
        rng = self.rng
        kind = CaseKind.APPLICATION if rng.random() < 0.45 else CaseKind.REASSESSMENT
        # An AFTER municipality decides applications at once, so open ones are reassessments.
        after = municipality.check_mode == CheckMode.AFTER
        settled = status in (CaseStatus.DECIDED, CaseStatus.ABORTED, CaseStatus.NEW)
        if kind == CaseKind.APPLICATION and after and not settled:
            kind = CaseKind.REASSESSMENT
        # Invited cases are recent, so their start links (42 days) work in the demo.
        days = rng.randint(1, 30) if status == CaseStatus.INVITED else rng.randint(1, 75)
        created = self.now - dt.timedelta(days=days, minutes=rng.randint(0, 1439))
        applicant = self.person(municipality)
        surname = (applicant.prefix, applicant.surname)
        partner = self.person(municipality) if rng.random() < 0.4 else None
        children = [
            self.person(municipality, adult=False, surname=surname)
            for _ in range(rng.choice([0, 0, 0, 1, 1, 2, 3]))
        ]
        if kind == CaseKind.APPLICATION:
            preference = ContactPreference.EMAIL
        else:
            preference = ContactPreference.EMAIL if rng.random() < 0.7 else ContactPreference.LETTER
        insurer, package = rng.choice(INSURERS)
        case = Case(
            municipality=municipality,
            kind=kind,
            status=status,
            applicant=applicant,
            partner=partner,
            children=children,
            children_count=len(children),
            contact_preference=preference,
            insurer=insurer,
            insurance_package=package,
            insurance_start=dt.date(self.now.year + 1, 1, 1),
            created_on=created,
            changed_on=created,
        )
        if kind == CaseKind.APPLICATION:
            self.app_seq += 1
            case.application_number = f"GV-{created.year}-{self.app_seq:06d}"
            case.submitted_on = created
        else:
            self.contract_seq += rng.randint(1, 40)
            case.contract_number = f"{municipality.cbs_code}-{self.contract_seq}"
        db.session.add(case)
        self.timeline(case, created, users)
        return case

    def later(self, t: dt.datetime, step: dt.timedelta) -> dt.datetime:
        """The next moment on a timeline, never in the future."""
        return min(t + step, self.now - dt.timedelta(minutes=5))

    def event(
        self,
        case: Case,
        when: dt.datetime,
        action: str,
        text: str,
        frm: CaseStatus | None = None,
        to: CaseStatus | None = None,
        user: User | None = None,
        actor: str | None = None,
    ) -> None:
        db.session.add(
            CaseEvent(
                case=case,
                created_on=when,
                action=action,
                description=text,
                from_status=frm,
                to_status=to,
                user_id=user.id if user else None,
                actor=None if user else (actor or "systeem"),
            )
        )

    def timeline(self, case: Case, created: dt.datetime, users: list[User]) -> None:
        rng = self.rng
        step = dt.timedelta(days=rng.randint(1, 6), hours=rng.randint(1, 9))
        t = created
        source = "aanvraagsite" if case.kind == CaseKind.APPLICATION else None
        worker = rng.choice(users)
        origin = (
            "Aanvraag ontvangen"
            if case.kind == CaseKind.APPLICATION
            else "Aangemaakt door import heronderzoek"
        )
        self.event(
            case,
            t,
            "create",
            origin,
            None,
            CaseStatus.NEW,
            user=None if source else worker,
            actor=source,
        )
        db.session.flush()
        if case.kind == CaseKind.APPLICATION:
            outbox.queue(case, TemplateEvent.CONFIRMATION, now=t)
        final = case.status
        if final == CaseStatus.NEW:
            return
        auto_decided = (
            case.kind == CaseKind.APPLICATION
            and final == CaseStatus.DECIDED
            and (case.municipality.check_mode == CheckMode.AFTER or rng.random() < 0.3)
        )
        if auto_decided:
            if case.municipality.check_mode == CheckMode.AFTER:
                case.decision = Decision.GRANTED_UNCHECKED
            else:
                case.decision = Decision.GRANTED_ALLOWLIST
            case.decided_on = t
            self.event(
                case,
                t,
                "decide",
                f"Besluit: {case.decision.label}",
                CaseStatus.NEW,
                CaseStatus.DECIDED,
                actor="systeem",
            )
            case.changed_on = t
            return
        t = self.later(t, dt.timedelta(minutes=1))
        if case.municipality.module_ockto:
            invitations.issue(case, now=t)
        self.event(
            case, t, "invite", "Uitnodiging Ockto verzonden", CaseStatus.NEW, CaseStatus.INVITED
        )
        current = CaseStatus.INVITED
        if final in (CaseStatus.INVITED,):
            if case.partner is not None and case.invitations and rng.random() < 0.3:
                # The applicant delivered alone: waiting for the partner (seed 002).
                self.deliver(case, self.later(t, step), final, ["PARTNER_NOT_DELIVERED"])
            case.changed_on = t
            return
        if final == CaseStatus.ABORTED:
            t = self.later(t, step)
            case.previous_status = current
            case.abort_reason = "Inwoner verhuisd naar een andere gemeente."
            self.event(
                case, t, "abort", "Afgebroken: inwoner verhuisd", current, final, user=worker
            )
            case.changed_on = t
            return
        if final == CaseStatus.ON_HOLD:
            t = self.later(t, step)
            case.previous_status = current
            case.hold_reason = "Wacht op terugbelverzoek van de inwoner."
            case.hold_until = (t + dt.timedelta(days=21)).date()
            self.event(case, t, "hold", "In afwachting gezet", current, final, user=worker)
            case.changed_on = t
            return
        t = self.later(t, step)
        self.deliver(case, t, final)
        current = CaseStatus.DATA_RECEIVED
        if rng.random() < 0.35:
            db.session.add(
                Memo(
                    case=case,
                    text=rng.choice(MEMO_TEXTS),
                    created_on=self.later(t, dt.timedelta(hours=2)),
                    created_by_id=worker.id,
                )
            )
            self.event(
                case, self.later(t, dt.timedelta(hours=2)), "memo", "Memo toegevoegd", user=worker
            )
        if final == CaseStatus.DATA_RECEIVED:
            case.changed_on = t
            return
        if final == CaseStatus.INFO_REQUESTED:
            t = self.later(t, step)
            self.event(
                case,
                t,
                "request_info",
                "Aanvullende informatie opgevraagd",
                current,
                final,
                user=worker,
            )
            case.changed_on = t
            return
        t = self.later(t, step)
        if case.advice == Advice.REJECT:
            case.decision = Decision.REJECTED
            codes = [r["code"] for r in case.advice_reasons or []]
            case.decision_reasons = [
                c for c in ("INCOME_TOO_HIGH", "ASSETS_TOO_HIGH") if c in codes
            ] or ["CUSTOM"]
        else:
            case.decision = Decision.GRANTED
        case.decided_on = t
        case.decided_by_id = worker.id
        self.event(
            case, t, "decide", f"Besluit: {case.decision.label}", current, final, user=worker
        )
        case.changed_on = t

    def scenarios(self, case: Case) -> list[str]:
        """The sandbox situations a demo household delivers, in order."""
        rng = self.rng
        if case.partner is not None:
            pick = rng.choices(["COUPLE", "PARTNER_NOT_DELIVERED", "OTHER_PARTNER"], [8, 1, 1])[0]
            # Delivered without the partner twice: the case is flagged (seed 002).
            return [pick, pick] if pick == "PARTNER_NOT_DELIVERED" else [pick]
        options = ["SINGLE", "SINGLE", "SINGLE", "HIGH_INCOME", "HIGH_ASSETS", "PENSION_AGE",
                   "STALE_INCOME", "GROSS_ONLY"]  # fmt: skip
        if case.children:
            options += ["SINGLE_PARENT"] * 3
        return [rng.choice(options)]

    def deliver(
        self, case: Case, t: dt.datetime, final: CaseStatus, scenarios: list[str] | None = None
    ) -> None:
        """Real deliveries from the sandbox through the delivery service, at time `t`."""
        if not case.invitations:
            self.event(case, t, "delivery", "Ockto-levering ontvangen",
                       CaseStatus.INVITED, CaseStatus.DATA_RECEIVED, actor="Ockto")  # fmt: skip
            return
        invitation = case.invitations[-1]
        case.status = CaseStatus.INVITED
        for n, scenario in enumerate(scenarios or self.scenarios(case)):
            when = self.later(t, dt.timedelta(days=2 * n))
            payload = sandbox.build(invitation, scenario, now=when, rng=self.rng)
            clean, errors = deliveries.validate(payload, when)
            if errors:
                raise RuntimeError(f"demo delivery refused: {errors}")
            deliveries.accept(clean, payload, Work(user=None, now=when))
        case.status = final


@transactional
def load(seed: int = 2026, cases: int = 200) -> bool:
    """Load the demo once (one unit of work); False (nothing changed) when data is there."""
    if is_loaded():
        return False
    zwolle_org = Organisation(name="Gemeente Zwolle")
    isd = Organisation(name="ISD Bollenstreek", kind=OrganisationKind.ISD)
    db.session.add_all([zwolle_org, isd])
    zwolle = create_municipality(
        zwolle_org,
        "0193",
        "Zwolle",
        check_mode=CheckMode.BEFORE,
        uses_allowlist=True,
        sender_address="Postbus 10007\n8000 GA  Zwolle",
        signature="Team Minimaregelingen\nGemeente Zwolle",
        footer="Gemeente Zwolle · 14 038 · www.zwolle.nl",
        primary_color="#c8102e",
    )
    hillegom = create_municipality(
        isd,
        "0534",
        "Hillegom",
        check_mode=CheckMode.BEFORE,
        uses_allowlist=False,
        sender_name="ISD Bollenstreek namens gemeente Hillegom",
        sender_address="Postbus 3\n2180 AA  Hillegom",
        signature="ISD Bollenstreek",
        primary_color="#00703c",
    )
    lisse = create_municipality(
        isd,
        "0553",
        "Lisse",
        check_mode=CheckMode.AFTER,
        uses_allowlist=False,
        sender_name="ISD Bollenstreek namens gemeente Lisse",
        sender_address="Postbus 200\n2160 AE  Lisse",
        signature="ISD Bollenstreek",
        primary_color="#00703c",
        income_percentage=Decimal("120"),
    )
    teylingen = create_municipality(
        isd,
        "1525",
        "Teylingen",
        check_mode=CheckMode.BEFORE,
        uses_allowlist=True,
        module_legitimacy=False,
        module_decisions=False,
        sender_name="ISD Bollenstreek namens gemeente Teylingen",
        sender_address="Postbus 149\n2170 AC  Sassenheim",
        signature="ISD Bollenstreek",
        primary_color="#00703c",
    )
    db.session.flush()
    zwolle_users = [
        _user("beheerder.zwolle", "Bea", "Heerkens", zwolle_org, ROLE_BEHEERDER),
        _user("medewerker.zwolle", "Mehmet", "Doğan", zwolle_org, ROLE_MEDEWERKER),
    ]
    isd_users = [
        _user("beheerder.bollenstreek", "Bart", "Hoogeveen", isd, ROLE_BEHEERDER),
        _user("medewerker.bollenstreek", "Mirjam", "van Egmond", isd, ROLE_MEDEWERKER),
    ]
    db.session.flush()
    # The demo's municipalities are set up: their checklist is done.
    for municipality in (zwolle, hillegom, lisse, teylingen):
        checklist.mark_set_up(municipality)
    gen = _Generator(seed)
    spread = [zwolle] * 9 + [hillegom] * 4 + [lisse] * 4 + [teylingen] * 3
    statuses = [s for s, w in STATUS_WEIGHTS for _ in range(w)]
    for i in range(cases):
        municipality = spread[i % len(spread)]
        status = statuses[i % len(statuses)]
        if municipality is teylingen and status == CaseStatus.DECIDED:
            status = CaseStatus.DATA_RECEIVED  # Teylingen has no decisions module
        users = zwolle_users if municipality is zwolle else isd_users
        gen.case(municipality, status, users)
    db.session.flush()
    # Zwolle's allowlist: known eligible residents plus people with no case yet.
    applicants = db.session.scalars(
        select(Resident.bsn).where(Resident.municipality_id == zwolle.id)
    ).all()
    allow = set(gen.rng.sample(list(applicants), 25)) | {
        make_bsn(gen.rng, gen.bsns) for _ in range(40)
    }
    db.session.add_all(AllowlistEntry(municipality=zwolle, bsn=b) for b in sorted(allow))
    _link_partner_cases(gen)
    return True


def _link_partner_cases(gen: _Generator) -> None:
    """Give two Zwolle households a separate partner case, linked both ways (seed 002)."""
    pairs = db.session.scalars(
        select(Case)
        .where(Case.partner_id.is_not(None), Case.kind == CaseKind.REASSESSMENT)
        .order_by(Case.id)
        .limit(2)
    ).all()
    for case in pairs:
        other = Case(
            municipality=case.municipality,
            kind=CaseKind.REASSESSMENT,
            status=CaseStatus.NEW,
            applicant=case.partner,
            partner=case.applicant,
            children_count=case.children_count,
            contact_preference=case.contact_preference,
            contract_number=f"{case.municipality.cbs_code}-{gen.contract_seq + 1}",
            created_on=case.created_on,
            changed_on=case.created_on,
        )
        gen.contract_seq += 1
        db.session.add(other)
        db.session.flush()
        other.linked_case = case
        case.linked_case = other
        gen.event(
            other,
            case.created_on,
            "create",
            "Aangemaakt door import heronderzoek",
            None,
            CaseStatus.NEW,
            actor="systeem",
        )
        gen.event(
            case,
            case.created_on,
            "link",
            f"Gekoppeld aan partnerzaak {other.number}",
            actor="systeem",
        )
