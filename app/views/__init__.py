"""Registration of every screen with its menu entry (menu names drive menu_access)."""

from __future__ import annotations

from flask_appbuilder import AppBuilder

from .audit import AuditLogModelView, RefusedRequestModelView
from .cases import CaseModelView
from .imports import AllowlistView, ImportModelView
from .login import TwoFactorView
from .memos import MemoModelView
from .messages import MessageModelView
from .municipalities import MunicipalityModelView
from .norms import AssetLimitModelView, NationalNormModelView
from .organisations import OrganisationModelView
from .policy import PolicyView
from .printbatch import PrintBatchView
from .residents import ResidentModelView
from .retention import RetentionView
from .setup import SetupView
from .signals import SignalView, register_bell
from .templates import TemplateModelView


def register_views(appbuilder: AppBuilder) -> None:
    """Add all HTML views to FAB; labels are Dutch, names match the role definitions."""
    register_bell(appbuilder.app)
    appbuilder.add_view(
        CaseModelView,
        "Alle zaken",
        icon="fa-folder-open",
        category="Zaken",
        category_icon="fa-folder",
    )
    appbuilder.add_link("Mijn zaken", href="/zaken/list/?mijn=1", icon="fa-user", category="Zaken")
    appbuilder.add_link(
        "Niet toegewezen", href="/zaken/list/?toegewezen=nee", icon="fa-inbox", category="Zaken"
    )
    appbuilder.add_link(
        "Ter goedkeuring",
        href="/zaken/list/?_flt_0_status=AWAITING_APPROVAL",
        icon="fa-check",
        category="Zaken",
    )
    appbuilder.add_view(SignalView, "Signalen", icon="fa-bell", category="Zaken")
    appbuilder.add_link(
        "Zoeken op BSN", href="CaseModelView.search_bsn", icon="fa-search", category="Zaken"
    )
    appbuilder.add_view(MemoModelView, "Memo's", icon="fa-sticky-note", category="Zaken")
    appbuilder.add_view(MessageModelView, "Berichten", icon="fa-envelope", category="Zaken")
    appbuilder.add_view(ResidentModelView, "Inwoners", icon="fa-users")
    appbuilder.add_view(
        OrganisationModelView,
        "Organisaties",
        icon="fa-sitemap",
        category="Beheer",
        category_icon="fa-cog",
    )
    appbuilder.add_view(MunicipalityModelView, "Gemeenten", icon="fa-building", category="Beheer")
    appbuilder.add_view(SetupView, "Inrichting", icon="fa-check-square", category="Beheer")
    appbuilder.add_view(
        PolicyView, "Inkomens- en vermogensparameters", icon="fa-balance-scale", category="Beheer"
    )
    appbuilder.add_view(TemplateModelView, "Sjablonen", icon="fa-file-text", category="Beheer")
    appbuilder.add_view(PrintBatchView, "Printbatch", icon="fa-print", category="Beheer")
    appbuilder.add_view(ImportModelView, "Imports", icon="fa-upload", category="Beheer")
    appbuilder.add_view(AllowlistView, "Bestandscheck", icon="fa-check-square-o", category="Beheer")
    appbuilder.add_view(NationalNormModelView, "Normen", icon="fa-eur", category="Beheer")
    appbuilder.add_view(AssetLimitModelView, "Vermogensgrenzen", icon="fa-bank", category="Beheer")
    appbuilder.add_view(AuditLogModelView, "Auditlog", icon="fa-history", category="Beheer")
    appbuilder.add_view(
        RefusedRequestModelView, "Geweigerde verzoeken", icon="fa-ban", category="Beheer"
    )
    appbuilder.add_view(RetentionView, "Bewaartermijn", icon="fa-trash", category="Beheer")
    appbuilder.add_view(
        TwoFactorView,
        "Tweestapsverificatie",
        icon="fa-mobile",
        category="Mijn account",
        category_icon="fa-user",
    )
