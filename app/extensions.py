"""Flask extensions, created unbound and attached to an app in create_app()."""

from flask_appbuilder.models.sqla.base import SQLA
from flask_apscheduler import APScheduler
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# FAB's SQLA subclass, so FAB's security models and ours share one session.
db = SQLA()
migrate = Migrate()
scheduler = APScheduler()
# CSRF for every HTML form; the JSON APIs (JWT bearer or HMAC-signed) are exempted.
csrf = CSRFProtect()
