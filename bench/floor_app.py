"""The floor: a minimal Flask app with the portal's extension stack and nothing else, so that a
page's requests/s can be read against what the framework itself allows (issue 17).

Flask-SQLAlchemy on the portal's database URL and engine options (`portal.db.engine_options`:
the same pool_pre_ping, timeouts and PgBouncer setting), Flask-Login loading the user from a
table of its own (`floor_users`, one row) through a signed session cookie, a Flask-WTF form
whose CSRF token is rendered, Flask-Babel formatting one date in Vietnamese, and a page that
extends a ~50-line base template. Its own tables (`floor_users`, `floor_posts`) are made by
`prepare()`, never by the portal's migrations.

Routes (mounted at /floor by bench/bench_wsgi.py):
- GET /          the logged-in floor: Flask-Login loads the user from the database
- GET /anon      the anonymous floor: the same page for a visitor (no database)
- POST /post     the floor for POSTs: validates the CSRF form, inserts one row, redirects
- GET /login     logs the one user in (a bench app: no password) and redirects to /
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, redirect, render_template, url_for
from flask_babel import Babel, format_date
from flask_login import LoginManager, UserMixin, current_user, login_required, login_user
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect, FlaskForm
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from wtforms import StringField
from wtforms.validators import DataRequired, Length

SESSION_COOKIE = "floor_session"  # beside the portal's own "session" on the same host
FLOOR_DATE = date(2026, 12, 16)
USER_NAME = "Nguyễn Văn Sàn"


class FloorBase(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=FloorBase)
login_manager = LoginManager()
csrf = CSRFProtect()
babel = Babel()


class FloorUser(UserMixin, db.Model):
    __tablename__ = "floor_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    full_name: Mapped[str] = mapped_column(sa.String(120))


class FloorPost(db.Model):
    __tablename__ = "floor_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("floor_users.id"))
    text: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))


class FloorForm(FlaskForm):
    text = StringField("Nội dung", validators=[DataRequired(), Length(max=200)])


@login_manager.user_loader
def load_user(user_id: str) -> FloorUser | None:
    return db.session.get(FloorUser, int(user_id)) if user_id.isdigit() else None


def create_floor_app(
    database_url: str, secret_key: str, engine_options: dict | None = None
) -> Flask:
    """The floor on `database_url` with the portal's `engine_options`."""
    app = Flask(__name__, template_folder=str(Path(__file__).with_name("floor_templates")))
    app.config.update(
        SECRET_KEY=secret_key,
        SQLALCHEMY_DATABASE_URI=database_url,
        SQLALCHEMY_ENGINE_OPTIONS=dict(engine_options or {}),
        SESSION_COOKIE_NAME=SESSION_COOKIE,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        BABEL_DEFAULT_LOCALE="vi",
        BABEL_DEFAULT_TIMEZONE="Asia/Ho_Chi_Minh",
    )
    db.init_app(app)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=lambda: "vi")

    def page():
        return render_template(
            "floor/page.html", form=FloorForm(), day=format_date(FLOOR_DATE, "dd/MM/yyyy")
        )

    @app.get("/")
    @login_required
    def floor():
        return page()

    @app.get("/anon")
    def floor_anon():
        return page()

    @app.post("/post")
    @login_required
    def floor_post():
        form = FloorForm()
        if not form.validate_on_submit():
            return page(), 400
        db.session.add(
            FloorPost(user_id=current_user.id, text=form.text.data, created_at=datetime.now(UTC))
        )
        db.session.commit()
        return redirect(url_for("floor"))

    @app.get("/login")
    def floor_login():
        user = db.session.execute(sa.select(FloorUser).limit(1)).scalar_one()
        login_user(user)
        return redirect(url_for("floor"))

    return app


def prepare(app: Flask) -> None:
    """The floor's tables and its one user, on the app's database (before serving it)."""
    with app.app_context():
        db.create_all()
        if db.session.execute(sa.select(sa.func.count(FloorUser.id))).scalar_one() == 0:
            db.session.add(FloorUser(full_name=USER_NAME))
            db.session.commit()
        db.session.remove()
