"""The domain's code lists: English codes (DESIGN.md glossary) with Dutch labels."""

from __future__ import annotations

from .types import LabeledEnum


class CaseKind(LabeledEnum):
    APPLICATION = "Aanvraag"
    REASSESSMENT = "Heronderzoek"


class CaseStatus(LabeledEnum):
    NEW = "Nieuw"
    INVITED = "Uitnodiging verzonden"
    DATA_RECEIVED = "Gegevens ontvangen"
    INFO_REQUESTED = "Aanvullende informatie opgevraagd"
    ON_HOLD = "In afwachting"
    AWAITING_APPROVAL = "Ter goedkeuring"
    DECIDED = "Besluit genomen"
    ABORTED = "Afgebroken"


OPEN_STATUSES = frozenset(
    {
        CaseStatus.NEW,
        CaseStatus.INVITED,
        CaseStatus.DATA_RECEIVED,
        CaseStatus.INFO_REQUESTED,
        CaseStatus.ON_HOLD,
        CaseStatus.AWAITING_APPROVAL,
    }
)


class Advice(LabeledEnum):
    GRANT = "Toekennen"
    INVESTIGATE = "Onderzoeken"
    REJECT = "Afwijzen"


class Decision(LabeledEnum):
    GRANTED = "Toegekend"
    REJECTED = "Afgewezen"
    GRANTED_ALLOWLIST = "Toegekend o.b.v. bestandscheck"
    GRANTED_UNCHECKED = "Toegekend zonder onderzoek"


class RejectionReason(LabeledEnum):
    INCOME_TOO_HIGH = "Inkomen te hoog"
    ASSETS_TOO_HIGH = "Vermogen te hoog"
    CUSTOM = "Aangepast"


class CheckMode(LabeledEnum):
    BEFORE = "Toetsen vooraf"
    AFTER = "Toetsen achteraf"


class OrganisationKind(LabeledEnum):
    MUNICIPALITY = "Gemeente (eigen organisatie)"
    ISD = "ISD of samenwerkingsverband (meerdere gemeenten)"


class SetupStep(LabeledEnum):
    """The items of a municipality's set-up checklist (inrichting), in their order."""

    HOUSE_STYLE = "Afzender en huisstijl"
    POLICY = "Beleid: toetsmoment, bestandscheck, grens en marge"
    NORMS = "Normen en vermogensgrenzen bevestigd"
    TEMPLATES = "Alle sjablonen bekeken in Voorbeeld"
    TEST_EMAIL = "Testmail ontvangen"
    TEST_INVITATION = "Proefuitnodiging aan uzelf doorlopen"
    CASEWORKER = "Ten minste één Medewerker"


class ContactPreference(LabeledEnum):
    EMAIL = "E-mail"
    LETTER = "Brief"


class Channel(LabeledEnum):
    EMAIL = "E-mail"
    LETTER = "Brief"


class TemplateEvent(LabeledEnum):
    CONFIRMATION = "Bevestiging aanvraag"
    INVITATION = "Uitnodiging"
    REMINDER_1 = "Herinnering 1"
    REMINDER_2 = "Herinnering 2"
    REMINDER_3 = "Herinnering 3"
    PARTNER_REMINDER = "Herinnering partnergegevens"
    INFORMATION_REQUEST = "Aanvullende informatie opvragen"
    DECISION_GRANTED = "Beschikking toegekend"
    DECISION_REJECTED = "Beschikking afgewezen"


class MessageStatus(LabeledEnum):
    PENDING = "Wacht op verzending"
    SENT = "Verzonden"
    FAILED = "Mislukt"
    NOT_SENT = "Niet verzonden (geen mailserver)"
    TO_PRINT = "Klaar om te printen"
    PRINTED = "Geprint"


class FourEyes(LabeledEnum):
    """Which decisions a second person approves before they are sent (vier-ogenprincipe)."""

    OFF = "Uit: elke medewerker verstuurt zelf"
    REJECTIONS = "Afwijzingen laten goedkeuren"
    ALL = "Alle besluiten laten goedkeuren"


class SignalKind(LabeledEnum):
    """A personal alert to the handler of a case (or to the decider of a sent-back decision)."""

    DOCUMENTS_UPLOADED = "Documenten geüpload"
    DELIVERY_RECEIVED = "Ockto-gegevens ontvangen"
    TERM_EXPIRED = "Termijn verstreken"
    HOLD_ENDED = "Wachttijd voorbij"
    ASSIGNED = "Zaak aan u toegewezen"
    SENT_BACK = "Besluit teruggestuurd"


class NoticeKind(LabeledEnum):
    PARTNER_MISMATCH = "Partner wijkt af"
    PARTNER_DATA_INCOMPLETE = "Partnergegevens onvolledig"
    DEADLINE_EXPIRED = "Termijn verlopen"
    MESSAGE_FAILED = "Bericht niet verzonden"
    DOCUMENTS_RECEIVED = "Documenten ontvangen"
    OTHER = "Overig"


class HouseholdType(LabeledEnum):
    SINGLE = "Alleenstaande (ouder), 21 jaar tot AOW-leeftijd"
    COUPLE = "Gehuwden / samenwonenden, 21 jaar tot AOW-leeftijd"
    SINGLE_PENSION = "Alleenstaande (ouder), AOW-leeftijd"
    COUPLE_PENSION = "Gehuwden, een of beiden AOW-leeftijd"
    SINGLE_YOUNG = "Alleenstaande, 18 tot 21 jaar"


class AssetHouseholdType(LabeledEnum):
    SINGLE = "Alleenstaande"
    FAMILY = "Alleenstaande ouder / gehuwden"
    HOME_EQUITY = "Vermogen in de eigen woning"


class ImportKind(LabeledEnum):
    REASSESSMENT = "Heronderzoek"
    ALLOWLIST = "Allowlist"


class ImportStatus(LabeledEnum):
    PREVIEWING = "Bestand wordt gecontroleerd"
    PREVIEWED = "Gecontroleerd, wacht op bevestiging"
    IMPORTING = "Wordt geïmporteerd"
    DONE = "Geïmporteerd"
    REFUSED = "Bestand geweigerd"
    FAILED = "Mislukt, niets opgeslagen"
    CANCELLED = "Geannuleerd"


class DeliveryRole(LabeledEnum):
    APPLICANT = "Aanvrager"
    PARTNER = "Partner"


class PartnerSource(LabeledEnum):
    MIJNOVERHEID = "MijnOverheid"
    BELASTINGDIENST = "Belastingdienst"


class IncomeKind(LabeledEnum):
    WAGE = "Loon"
    BENEFIT = "Uitkering"
    PENSION = "Pensioen"
    STATE_PENSION = "AOW"
    ALIMONY = "Alimentatie"
    STUDENT_FINANCE = "Studiefinanciering"
    HEALTHCARE_ALLOWANCE = "Zorgtoeslag"
    RENT_ALLOWANCE = "Huurtoeslag"
    CHILD_BUDGET = "Kindgebonden budget"
    CHILD_BENEFIT = "Kinderbijslag"
    OTHER = "Overig"


# Allowances that are not income (DESIGN.md 6): shown, never counted.
NON_INCOME_KINDS = frozenset(
    {
        IncomeKind.HEALTHCARE_ALLOWANCE,
        IncomeKind.RENT_ALLOWANCE,
        IncomeKind.CHILD_BUDGET,
        IncomeKind.CHILD_BENEFIT,
    }
)


class IncomePeriod(LabeledEnum):
    WEEK = "Per week"
    FOUR_WEEKS = "Per vier weken"
    MONTH = "Per maand"
    YEAR = "Per jaar"


class GrossNet(LabeledEnum):
    GROSS = "Bruto"
    NET = "Netto"


class AssetKind(LabeledEnum):
    CURRENT_ACCOUNT = "Betaalrekening"
    SAVINGS_ACCOUNT = "Spaarrekening"
    INVESTMENTS = "Beleggingen"
    OWN_HOME = "Eigen woning"
    VEHICLE = "Voertuig"
    OTHER = "Overig"


class DebtKind(LabeledEnum):
    MORTGAGE = "Hypotheek"
    STUDY_DEBT = "Studieschuld"
    OTHER = "Overig"
