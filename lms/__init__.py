"""Cakap Desa: the application factory."""
from __future__ import annotations

from flask import Flask
from flask_babel import format_datetime
from werkzeug.routing import IntegerConverter

from config import Config


class DatabaseIntConverter(IntegerConverter):
    """``<int:id>`` limited to what an integer column holds: a larger id is a 404, not a database error."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", 2**31 - 1)
        super().__init__(url_map, *args, **kwargs)


def create_app(config_class: type[Config] = Config) -> Flask:
    """Build the app: settings, extensions, blueprints, error handlers, CLI."""
    app = Flask(__name__, template_folder="../templates", static_folder="../static", instance_relative_config=False)
    app.config.from_object(config_class())
    app.url_map.converters["int"] = DatabaseIntConverter
    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_template_helpers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from lms import completion, dbsetup  # noqa: F401  (completion listens to course and quiz signals)
    from lms.courses import cohorts  # noqa: F401  (cohort rules listen to user_saved)
    from lms.auth.services import load_session_user
    from lms import i18n
    from lms.extensions import csrf, db, login_manager, migrate
    from lms.security import init_security

    db.init_app(app)
    dbsetup.configure(app)
    migrate.init_app(app, db, directory=str(app.root_path + "/../migrations"), render_as_batch=True)
    csrf.init_app(app)
    i18n.init_app(app)  # Flask-Babel with the language selector, and the language switch
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    login_manager.session_protection = "strong"
    login_manager.user_loader(load_session_user)
    init_security(app)


def register_blueprints(app: Flask) -> None:
    from lms.api.views import bp as api_bp
    from lms.auth.views import bp as auth_bp
    from lms.courses.views import bp as courses_bp
    from lms.i18n import bp as i18n_bp
    from lms.people.views import bp as people_bp
    from lms.quizzes.views import bp as quizzes_bp
    from lms.reports.views import bp as reports_bp
    from lms.studio.views import bp as studio_bp
    from lms.studio.views import media_bp

    from lms.ops import bp as ops_bp
    from lms.offline.views import bp as offline_bp

    for bp in (auth_bp, courses_bp, quizzes_bp, studio_bp, media_bp, reports_bp, people_bp, api_bp, ops_bp, i18n_bp,
               offline_bp):
        app.register_blueprint(bp)


def register_errorhandlers(app: Flask) -> None:
    from lms.errors import register_errorhandlers as register

    register(app)


def register_template_helpers(app: Flask) -> None:
    from lms import assets
    from lms.courses.models import PILLARS

    assets.init_app(app)  # url_for('static', ...) gives fingerprinted names, cached for a year

    @app.template_filter("wita")
    def wita(value, fmt="medium"):
        """Show a stored UTC time in the platform's time zone (WITA)."""
        from lms.timeutil import as_utc, to_local

        if not value:
            return ""
        return f"{format_datetime(as_utc(value), fmt)} {to_local(value).tzname()}"

    @app.template_filter("isoformat")
    def isoformat_filter(value):
        from lms.timeutil import isoformat

        return isoformat(value) or ""

    app.jinja_env.globals["PILLARS"] = PILLARS


def register_commands(app: Flask) -> None:
    from lms.cli import register
    from lms.ops import register_ops_commands

    register(app)
    register_ops_commands(app)
