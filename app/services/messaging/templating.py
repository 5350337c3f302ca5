"""Template texts written by beheerders: sandboxed Jinja2, known placeholders only."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from ...formatting import date_nl, reasons_nl, today_nl
from ...models import Case, Municipality, Resident

# Every placeholder a template may use, with its Dutch explanation for the template screen.
PLACEHOLDERS: dict[str, dict[str, str]] = {
    "inwoner": {
        "naam": "Naam van de aanvrager (voorletters, tussenvoegsel, achternaam)",
        "aanhef": "Aanhef, bijvoorbeeld 'heer/mevrouw Jansen'",
        "straat": "Straat en huisnummer",
        "postcode": "Postcode",
        "woonplaats": "Woonplaats",
        "email": "E-mailadres",
    },
    "zaak": {
        "nummer": "Aanvraagnummer of contractnummer",
        "soort": "Aanvraag of Heronderzoek",
        "ingediend_op": "Datum van indienen (dd-mm-jjjj)",
        "aangemaakt_op": "Datum waarop de zaak is aangemaakt",
    },
    "gemeente": {
        "naam": "Naam van de gemeente",
        "afzender": "Afzender (huisstijl)",
        "ondertekening": "Ondertekening (huisstijl; anders de afzender)",
    },
    "besluit": {
        "omschrijving": "Het besluit, bijvoorbeeld 'Toegekend'",
        "redenen": "Redenen van afwijzing, gescheiden door komma's",
        "toelichting": "Toelichting van de medewerker",
    },
    "verzoek": {"omschrijving": "Wat de inwoner moet aanleveren"},
    "link": {"": "Persoonlijke link: start van de Ockto-reis of de uploadpagina"},
    "termijn": {"": "Uiterste datum (dd-mm-jjjj)"},
    "datum": {"": "Datum van vandaag (dd-mm-jjjj)"},
    "beschikking": {
        "": "Besluit: het verplichte deel met gronden, bedragen, periode en bezwaarclausule "
        "(ontbreekt het in het sjabloon, dan komt het onderaan)"
    },
}


@dataclass
class TemplateProblem:
    """One problem in a template text, with the line it is on."""

    line: int | None
    message: str

    def __str__(self) -> str:
        return f"regel {self.line}: {self.message}" if self.line else self.message


def environment() -> SandboxedEnvironment:
    """The sandbox templates render in: no access to Python internals, unknown names fail."""
    return SandboxedEnvironment(undefined=StrictUndefined, autoescape=False)


_SANDBOX = environment()


# A link directly followed by a punctuation mark: mail programs make the mark part of it.
LINK_THEN_MARK = re.compile(r"\{\{\s*link\s*\}\}[.,;:!?)]")


def link_problems(source: str) -> list[TemplateProblem]:
    """A `{{ link }}` followed by punctuation, which breaks the link in mail programs."""
    return [
        TemplateProblem(
            (source or "")[: m.start()].count("\n") + 1,
            "zet de link los (op een eigen regel): een leesteken direct erachter wordt in "
            "e-mailprogramma's deel van de link, en dan werkt hij niet",
        )
        for m in LINK_THEN_MARK.finditer(source or "")
    ]


def check(source: str) -> list[TemplateProblem]:
    """Syntax errors, unknown placeholders and broken links in a template text (empty: fine)."""
    env = environment()
    try:
        tree = env.parse(source or "")
    except TemplateSyntaxError as exc:
        return [TemplateProblem(exc.lineno, f"syntaxfout: {exc.message}")]
    problems: list[TemplateProblem] = []
    local_names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in PLACEHOLDERS:
            fields = PLACEHOLDERS[node.node.name]
            if node.attr not in fields:
                problems.append(
                    TemplateProblem(
                        node.lineno,
                        f"onbekende placeholder '{node.node.name}.{node.attr}'",
                    )
                )
    for node in tree.find_all(nodes.Name):
        if node.ctx == "load" and node.name not in PLACEHOLDERS and node.name not in local_names:
            problems.append(TemplateProblem(node.lineno, f"onbekende placeholder '{node.name}'"))
    problems += link_problems(source)
    return sorted(problems, key=lambda p: (p.line or 0, p.message))


@functools.lru_cache(maxsize=512)
def _compiled(source: str) -> Template:
    # Compiling costs more than rendering; the key is the template text itself, so an
    # edited template compiles anew and nothing of a case is ever kept here.
    return _SANDBOX.from_string(source)


def render(source: str, context: dict[str, Any]) -> str:
    """Render a checked template text with a context from `context_for`."""
    return _compiled(source).render(**context)


def _person(resident: Resident | None) -> dict[str, str]:
    if resident is None:
        return {k: "" for k in PLACEHOLDERS["inwoner"]}
    street = " ".join(
        p for p in [resident.street, resident.house_number, resident.house_number_suffix] if p
    )
    name = resident.full_name
    surname = " ".join(p for p in [resident.prefix, resident.surname] if p)
    return {
        "naam": name,
        "aanhef": f"heer/mevrouw {surname[:1].upper()}{surname[1:]}",
        "straat": street,
        "postcode": resident.postcode or "",
        "woonplaats": resident.city or "",
        "email": resident.email or "",
    }


def context_for(
    case: Case,
    municipality: Municipality | None = None,
    link: str = "",
    deadline: dt.date | None = None,
    request_description: str = "",
    today: dt.date | None = None,
) -> dict[str, Any]:
    """Plain values for every placeholder, so the sandbox never touches a model object."""
    municipality = municipality or case.municipality
    return {
        "inwoner": _person(case.applicant),
        "zaak": {
            "nummer": case.number,
            "soort": case.kind.label,
            "ingediend_op": date_nl(case.submitted_on or case.created_on),
            "aangemaakt_op": date_nl(case.created_on),
        },
        "gemeente": {
            "naam": municipality.name,
            "afzender": municipality.sender_name or f"Gemeente {municipality.name}",
            "ondertekening": municipality.signature
            or municipality.sender_name
            or f"Gemeente {municipality.name}",
        },
        "besluit": {
            "omschrijving": case.decision.label if case.decision else "",
            "redenen": reasons_nl(case.decision_reasons),
            "toelichting": case.decision_explanation or "",
        },
        "verzoek": {"omschrijving": request_description},
        "link": link,
        "termijn": date_nl(deadline),
        "datum": date_nl(today or today_nl()),
        "beschikking": "",
    }
