"""The notifications' HTML pages: the inbox (with what waits for the user), the settings page,
the one-click unsubscribe of digest mails, and following questions, tags and people."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from app.errors import Invalid
from app.extensions import csrf, db
from app.forum.services.common import parse_tag_names
from app.notifications import digests, follows, forms, kinds, preferences, services, viewmodels
from app.web import login_required, redirect_back, render_form_error
from app.cache.pages import cached_page

bp = Blueprint("notifications", __name__)


def _me():
    return current_user._get_current_object()


# --- the inbox --------------------------------------------------------------------------------

def render_inbox(status: int = 200, forms_: dict | None = None):
    """The inbox; ``forms_`` hands a panel of the waiting list its rejected form (the experts'
    decline form, shown again with what was typed)."""
    box = viewmodels.inbox(db.session, _me(), forms_)
    return render_template("notifications/inbox.html", inbox=box), status


@bp.get("/notifications")
@login_required
@cached_page(bp)
def inbox():
    return render_inbox()


@bp.post("/notifications/read")
@login_required
def mark_read():
    marked = services.mark_read(db.session, _me().id)
    flash(ngettext("%(num)d notification marked as read.", "%(num)d notifications marked as read.", marked)
          if marked else _("Nothing new to mark as read."), "success")
    return redirect(url_for(".inbox"), 303)


# --- settings ---------------------------------------------------------------------------------

def _initial(me) -> dict:
    prefs = preferences.preferences(db.session, me.id)
    data = {"timezone": prefs.timezone, "quiet_start": preferences.format_clock(prefs.quiet_start),
            "quiet_end": preferences.format_clock(prefs.quiet_end), "auto_follow": prefs.auto_follow,
            "followed_tags": " ".join(name for _id, name in follows.following(db.session, me.id)["tag"])}
    data.update({f"kind_{code}": freq for code, freq in prefs.frequencies.items()})
    return data


def _render_settings(form, status: int = 200):
    return render_template("notifications/settings.html", form=form, kinds=kinds.all_kinds(),
                           following=follows.following(db.session, _me().id),
                           zones=sorted(preferences._zones())), status


@bp.route("/settings/notifications", methods=["GET", "POST"])
@login_required
def settings():
    form_class = forms.settings_form_class()
    if request.method == "GET":
        return _render_settings(form_class(formdata=None, data=_initial(_me())))
    form = form_class()
    form.validate()
    errors: dict = {}
    start = preferences.parse_clock(form.quiet_start.data, "quiet_start", errors)
    end = preferences.parse_clock(form.quiet_end.data, "quiet_end", errors)
    tags = parse_tag_names(form.followed_tags.data or "", {}) if (form.followed_tags.data or "").strip() else []
    try:
        if errors:
            raise Invalid(errors=errors)
        preferences.save_preferences(
            db.session, _me(), frequencies={k.code: form[f"kind_{k.code}"].data for k in kinds.all_kinds()},
            timezone_name=(form.timezone.data or "").strip() or preferences.site_timezone(),
            quiet_start=start, quiet_end=end, auto_follow=bool(form.auto_follow.data), by=_me())
        follows.set_followed_tags(db.session, _me(), tags, by=_me())
    except Invalid as err:
        return render_form_error("notifications/settings.html", form, Invalid(errors={
            ("followed_tags" if k == "tags" else k): v for k, v in err.errors.items()}), kinds=kinds.all_kinds(),
            following=follows.following(db.session, _me().id), zones=sorted(preferences._zones()))
    flash(_("Your notification settings are saved."), "success")
    return redirect(url_for(".settings"), 303)


# --- unsubscribing from digest mail -------------------------------------------------------------

@bp.get("/notifications/unsubscribe/<token>")
def unsubscribe_page(token: str):
    found = digests.read_unsubscribe_token(db.session, token)
    if found is None:
        abort(404)
    user, kind = found
    return render_template("notifications/unsubscribe.html", token=token, person=user, kind=kinds.get(kind),
                           done=False)


@bp.post("/notifications/unsubscribe/<token>")
@csrf.exempt  # the signed token is the credential: mail clients post here (RFC 8058 one-click)
def unsubscribe(token: str):
    found = digests.read_unsubscribe_token(db.session, token)
    if found is None:
        abort(404)
    user, kind = found
    digests.unsubscribe(db.session, user, kind)
    return render_template("notifications/unsubscribe.html", token=token, person=user, kind=kinds.get(kind),
                           done=True)


# --- following ----------------------------------------------------------------------------------

@bp.post("/follows/<target_type>/<id:target_id>")
@login_required
def set_follow(target_type: str, target_id: int):
    if target_type not in follows.TARGETS:
        abort(404)
    if request.form.get("action") == "unfollow":
        follows.unfollow(db.session, _me(), target_type, target_id, by=_me())
        flash(_("You no longer follow this."), "success")
    else:
        follows.follow(db.session, _me(), target_type, target_id, by=_me())
        flash(_("You follow this now. You will hear of what happens."), "success")
    return redirect_back(url_for(".settings"))
