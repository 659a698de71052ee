"""The audit log page: browse and filter the chain of recorded decisions (admins only)."""

from __future__ import annotations

from flask import current_app, render_template, request

from app.admin import bp
from app.admin.access import admin_required
from app.audit.services import AuditFilter, search_records, verify_chain
from app.contest.services import get_current_contest


@bp.get("/audit")
@admin_required
def audit_log():
    """Recorded decisions, newest first, filtered by action, actor, subject or date."""
    filters = AuditFilter.from_args(request.args)
    contest = get_current_contest()
    tz_name = contest.timezone if contest else current_app.config["BABEL_DEFAULT_TIMEZONE"]
    page = search_records(filters, tz_name, before_id=request.args.get("before", type=int))
    check = verify_chain() if request.args.get("verify") else None
    return render_template("admin/audit_log.html", filters=filters, page=page, check=check, tz_name=tz_name)
