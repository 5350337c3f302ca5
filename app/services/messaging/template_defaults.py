"""The Dutch default texts every new municipality starts with (Jinja2, sandboxed)."""

from __future__ import annotations

from ...models import TemplateEvent

_GREETING = "Beste {{ inwoner.naam }},"
_CLOSING = "Met vriendelijke groet,\n\n{{ gemeente.ondertekening }}"

DEFAULT_TEMPLATES: dict[TemplateEvent, dict[str, str]] = {
    TemplateEvent.CONFIRMATION: {
        "email_subject": "Wij hebben uw aanvraag voor de Gemeentepolis ontvangen",
        "email_body": f"""{_GREETING}

Wij hebben uw aanvraag voor een bijdrage in de premie van de Gemeentepolis ontvangen op {{{{ zaak.ingediend_op }}}}.
Uw aanvraagnummer is {{{{ zaak.nummer }}}}. Noem dit nummer als u contact met ons opneemt.

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Wij hebben uw aanvraag voor een bijdrage in de premie van de Gemeentepolis ontvangen.
Uw aanvraagnummer is {{{{ zaak.nummer }}}}.

{_CLOSING}""",
    },
    TemplateEvent.INVITATION: {
        "email_subject": "Lever uw inkomens- en vermogensgegevens aan voor de Gemeentepolis",
        "email_body": f"""{_GREETING}

Om te beoordelen of u recht heeft op een bijdrage in de premie van de Gemeentepolis, vragen wij u uw inkomens- en vermogensgegevens aan te leveren via de Ockto-app.
Dat is veilig en kost ongeveer 15 minuten. Houd uw DigiD (met sms-controle) en uw telefoon bij de hand. Heeft u een partner? Zorg dat uw partner erbij is: u levert de gegevens samen aan.

Start hier: {{{{ link }}}}

Lever de gegevens aan vóór {{{{ termijn }}}}.

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Om te beoordelen of u recht heeft op een bijdrage in de premie van de Gemeentepolis, vragen wij u uw inkomens- en vermogensgegevens aan te leveren via de Ockto-app.
Ga naar de website hieronder en volg de stappen:
{{{{ link }}}}
 Houd uw DigiD (met sms-controle) en uw telefoon bij de hand. Heeft u een partner? Zorg dat uw partner erbij is.

Lever de gegevens aan vóór {{{{ termijn }}}}.

{_CLOSING}""",
    },
    TemplateEvent.REMINDER_1: {
        "email_subject": "Herinnering: lever uw gegevens aan voor de Gemeentepolis",
        "email_body": f"""{_GREETING}

Enkele dagen geleden vroegen wij u uw inkomens- en vermogensgegevens aan te leveren via de Ockto-app. Wij hebben ze nog niet ontvangen.

Start hier: {{{{ link }}}}

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Wij hebben uw inkomens- en vermogensgegevens nog niet ontvangen. Lever ze aan via:
{{{{ link }}}}

{_CLOSING}""",
    },
    TemplateEvent.REMINDER_2: {
        "email_subject": "Tweede herinnering: lever uw gegevens aan voor de Gemeentepolis",
        "email_body": f"""{_GREETING}

Wij hebben uw inkomens- en vermogensgegevens nog steeds niet ontvangen. Zonder deze gegevens kunnen wij uw recht op de bijdrage niet beoordelen.

Start hier: {{{{ link }}}}

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Wij hebben uw inkomens- en vermogensgegevens nog steeds niet ontvangen. Lever ze aan via:
{{{{ link }}}}

{_CLOSING}""",
    },
    TemplateEvent.REMINDER_3: {
        "email_subject": "Laatste herinnering: lever uw gegevens aan voor de Gemeentepolis",
        "email_body": f"""{_GREETING}

Dit is onze laatste herinnering. Lever uw inkomens- en vermogensgegevens aan vóór {{{{ termijn }}}}, anders kunnen wij uw recht op de bijdrage niet vaststellen.

Start hier: {{{{ link }}}}

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Dit is onze laatste herinnering. Lever uw gegevens aan vóór {{{{ termijn }}}} via:
{{{{ link }}}}

{_CLOSING}""",
    },
    TemplateEvent.PARTNER_REMINDER: {
        "email_subject": "De gegevens van uw partner ontbreken nog",
        "email_body": f"""{_GREETING}

Bedankt voor het aanleveren van uw gegevens. Wij missen nog de gegevens van uw partner. Doorloop de Ockto-reis opnieuw, samen met uw partner.

Start hier: {{{{ link }}}}

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Wij missen nog de gegevens van uw partner. Doe het opnieuw, samen met uw partner, via:
{{{{ link }}}}

{_CLOSING}""",
    },
    TemplateEvent.INFORMATION_REQUEST: {
        "email_subject": "Wij hebben aanvullende informatie van u nodig",
        "email_body": f"""{_GREETING}

Om uw aanvraag of heronderzoek ({{{{ zaak.nummer }}}}) af te ronden hebben wij de volgende informatie nodig:

{{{{ verzoek.omschrijving }}}}

U kunt de stukken tot en met {{{{ termijn }}}} uploaden via:
{{{{ link }}}}

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Om uw aanvraag of heronderzoek ({{{{ zaak.nummer }}}}) af te ronden hebben wij de volgende informatie nodig:

{{{{ verzoek.omschrijving }}}}

U kunt de stukken tot en met {{{{ termijn }}}} per post naar ons sturen, of uploaden via:
{{{{ link }}}}

{_CLOSING}""",
    },
    TemplateEvent.DECISION_GRANTED: {
        "email_subject": "Besluit over uw bijdrage in de premie van de Gemeentepolis",
        "email_body": f"""{_GREETING}

U heeft recht op een bijdrage in de premie van de Gemeentepolis. Het besluit vindt u hieronder en in de bijlage.

{{{{ beschikking }}}}

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Wij hebben uw aanvraag of heronderzoek ({{{{ zaak.nummer }}}}) beoordeeld. Hieronder leest u ons besluit en waarom.

{{{{ beschikking }}}}

{_CLOSING}""",
    },
    TemplateEvent.DECISION_REJECTED: {
        "email_subject": "Besluit over uw bijdrage in de premie van de Gemeentepolis",
        "email_body": f"""{_GREETING}

U heeft geen recht op een bijdrage in de premie van de Gemeentepolis. Het besluit en de redenen vindt u hieronder en in de bijlage.

{{{{ beschikking }}}}

{_CLOSING}""",
        "letter_body": f"""{_GREETING}

Wij hebben uw aanvraag of heronderzoek ({{{{ zaak.nummer }}}}) beoordeeld. Hieronder leest u ons besluit en waarom.

{{{{ beschikking }}}}

{_CLOSING}""",
    },
}
