"""Forms (Flask-WTF: every form carries a CSRF token)."""

from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Field, IntegerField, PasswordField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    EqualTo,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

MIN_PASSWORD = 10


def _l(text: str):
    """Translate when the form is drawn, not at import."""
    from flask_babel import lazy_gettext

    return lazy_gettext(text)


def strong_password(_form: FlaskForm, field: Field) -> None:
    """Refuse a password a passer-by could guess; the message says why in plain words."""
    from ground.i18n import _

    password = field.data or ""
    why = _("il protège les prénoms des élèves et toute la station.")
    if len(password) < MIN_PASSWORD:
        raise ValidationError(_("Choisissez au moins %(n)s caractères : %(why)s",
                                n=MIN_PASSWORD, why=why))
    if len(set(password)) == 1:
        raise ValidationError(_("Un seul caractère répété se devine tout de suite : %(why)s",
                                why=why))
    if password.isdigit():
        raise ValidationError(_("Des chiffres seuls se devinent vite : ajoutez des lettres, "
                                "car %(why)s", why=why))


class SetupForm(FlaskForm):
    name = StringField(_l("Votre prénom"), validators=[DataRequired(), Length(max=80)])
    password = PasswordField(_l("Mot de passe de la station (10 caractères au moins)"),
                             validators=[DataRequired(), Length(max=128), strong_password])
    confirm = PasswordField(_l("Le même mot de passe, encore une fois"),
                            validators=[DataRequired(), EqualTo("password",
                                        message=_l("Les deux mots de passe sont différents."))])


class FacilitatorLoginForm(FlaskForm):
    password = PasswordField(_l("Mot de passe"), validators=[DataRequired(), Length(max=128)])


class TeacherForm(FlaskForm):
    code = StringField(_l("Code de la classe"), validators=[DataRequired(), Length(max=16)])


class JoinForm(FlaskForm):
    code = StringField(_l("Code du groupe"), validators=[DataRequired(), Length(max=16)])


class SchoolForm(FlaskForm):
    name = StringField(_l("Nom de l'école ou du centre"),
                       validators=[DataRequired(), Length(max=120)])
    town = StringField(_l("Commune"), validators=[Optional(), Length(max=80)])
    kind = SelectField(_l("Type"), choices=[("school", _l("École")),
                                            ("after_school", _l("Centre périscolaire"))])


class ClassForm(FlaskForm):
    name = StringField(_l("Nom de la classe"), validators=[DataRequired(), Length(max=80)])
    level = SelectField(_l("Niveau"), choices=[(v, v) for v in
                                               ("CE1", "CE2", "CM1", "CM2", "CE1-CE2",
                                                "CE2-CM1", "CM1-CM2", "multi")])
    teacher_name = StringField(_l("Enseignant·e (facultatif)"),
                               validators=[Optional(), Length(max=80)])


class GroupForm(FlaskForm):
    name = StringField(_l("Nom du groupe"), validators=[DataRequired(), Length(max=40)])
    members = StringField(_l("Prénoms ou pseudonymes, séparés par des virgules (2 à 4)"),
                          validators=[DataRequired(), Length(max=200)])
    girls = IntegerField(_l("Filles (facultatif)"),
                         validators=[Optional(), NumberRange(min=0, max=4)])
    boys = IntegerField(_l("Garçons (facultatif)"),
                        validators=[Optional(), NumberRange(min=0, max=4)])
