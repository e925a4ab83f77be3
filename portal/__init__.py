"""Ward Portal (Cổng phường): the application factory. It only wires things together."""

from __future__ import annotations

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from portal.extensions import babel, csrf, db, limiter, login_manager


def create_app(config: object | None = None) -> Flask:
    """Build the app from a settings class (DevelopmentConfig when none is given)."""
    app = Flask(__name__, instance_relative_config=False)
    if config is None:
        from config import DevelopmentConfig

        config = DevelopmentConfig
    validate = getattr(config, "validate", None)
    if callable(validate):
        validate()
    app.config.from_object(config)

    _init_proxy(app)
    _init_extensions(app)
    _init_urls(app)
    _register_blueprints(app)
    _register_hooks(app)
    _register_errors(app)
    _register_cli(app)
    return app


def _init_proxy(app: Flask) -> None:
    hops = app.config.get("PROXY_FIX_X_FOR", 0)
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)


def _init_extensions(app: Flask) -> None:
    from portal import (
        logsafety,
        migrating,
        models,  # noqa: F401 - register every table on the metadata
        pagecache,
        requestdb,
    )
    from portal.db import configure_sqlite, engine_options
    from portal.i18n import (
        check_catalogues,
        install_template_gettext,
        select_locale,
        select_timezone,
    )

    logsafety.install()
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = engine_options(app.config)
    db.init_app(app)
    requestdb.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine, app.config.get("DATABASE_STATEMENT_TIMEOUT", 30))
    migrating.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    check_catalogues(app)
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
    install_template_gettext(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.session_protection = "basic"
    _login_message(app)
    limiter.init_app(app)
    pagecache.init_app(app)


def _login_message(app: Flask) -> None:
    from flask_babel import lazy_gettext as _l

    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.needs_refresh_message = _l("Please log in again to continue.")


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _init_urls(app: Flask) -> None:
    from portal import params

    params.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from portal.api.open311 import bp as open311_bp
    from portal.api.views_dossiers import bp as dossier_api_bp
    from portal.api.views_keys import bp as api_keys_bp
    from portal.audit.views import bp as audit_bp
    from portal.auth.views import bp as auth_bp
    from portal.auth.views_account import bp as account_bp
    from portal.auth.views_recovery import bp as recovery_bp
    from portal.auth.views_vneid import bp as vneid_bp
    from portal.dashboard.views import bp as dashboard_bp
    from portal.dashboard.views_exports import bp as dashboard_exports_bp
    from portal.dialogues.views import bp as dialogues_bp
    from portal.dialogues.views_reception import bp as reception_bp
    from portal.dialogues.views_records import bp as reception_records_bp
    from portal.dialogues.views_results import bp as dialogue_results_bp
    from portal.dialogues.views_staff import bp as dialogues_staff_bp
    from portal.feedback.views import bp as feedback_bp
    from portal.feedback.views_staff import bp as feedback_staff_bp
    from portal.main.views import bp as main_bp
    from portal.manage.views import bp as manage_bp
    from portal.notifications.views import bp as hooks_bp
    from portal.satisfaction.views import bp as satisfaction_bp
    from portal.satisfaction.views_kiosk import bp as kiosk_bp
    from portal.satisfaction.views_staff import bp as satisfaction_staff_bp
    from portal.supervision.views import bp as supervision_bp
    from portal.transparency.views import bp as transparency_bp
    from portal.wards.views import bp as wards_bp
    from portal.wards.views_procedures import bp as procedures_bp

    for bp in (main_bp, auth_bp, account_bp, recovery_bp, vneid_bp, wards_bp, manage_bp):
        app.register_blueprint(bp)
    app.register_blueprint(dialogues_bp)
    app.register_blueprint(dialogues_staff_bp)
    app.register_blueprint(reception_bp)
    app.register_blueprint(reception_records_bp)
    app.register_blueprint(dialogue_results_bp)
    app.register_blueprint(api_keys_bp)
    app.register_blueprint(open311_bp)
    app.register_blueprint(dossier_api_bp)
    app.register_blueprint(feedback_bp)
    app.register_blueprint(feedback_staff_bp)
    app.register_blueprint(satisfaction_bp)
    app.register_blueprint(satisfaction_staff_bp)
    app.register_blueprint(kiosk_bp)
    app.register_blueprint(dashboard_bp)
    app.register_blueprint(dashboard_exports_bp)
    app.register_blueprint(hooks_bp)
    app.register_blueprint(audit_bp)
    app.register_blueprint(procedures_bp)
    app.register_blueprint(transparency_bp)
    app.register_blueprint(supervision_bp)


def _register_hooks(app: Flask) -> None:
    from portal import templating
    from portal.audit.services import install_guards
    from portal.auth import sessions as auth_sessions
    from portal.feedback import categories as feedback_categories
    from portal.feedback import related as feedback_related
    from portal.satisfaction import cases as satisfaction_cases
    from portal.satisfaction import catalogue as satisfaction_catalogue
    from portal.security import security_headers
    from portal.wards.services import ward_enabled

    app.after_request(security_headers)
    app.after_request(auth_sessions.note_use)
    install_guards()
    templating.init_app(app)
    # Features plug into others that must not know them.
    ward_enabled.connect(feedback_categories.on_ward_enabled)
    ward_enabled.connect(satisfaction_catalogue.on_ward_enabled)
    feedback_related.register(app, satisfaction_cases.rated_dossier_link)


def _register_errors(app: Flask) -> None:
    from portal.errors import register_error_handlers

    register_error_handlers(app)


def _register_cli(app: Flask) -> None:
    from portal.cli import register_cli

    register_cli(app)
