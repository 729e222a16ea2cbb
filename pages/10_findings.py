"""Findings: the architecture rules' findings on an as-of day, filters, details, accept and un-accept."""

import datetime as dt

import streamlit as st

from otrisk import db
from otrisk.errors import OtriskError, StaleDataError
from otrisk.evidence import today_utc
from otrisk.models import AXES
from otrisk.rules import RULES
from otrisk.ui import analysis, md_code, md_escape, setup_page, show_error
from otrisk.ui.zone_ui import (
    STATUSES,
    assets_frame,
    filter_findings,
    finding_details_markdown,
    finding_rows,
    findings_frame,
    findings_report,
    findings_style,
    stale_frame,
)
from otrisk.findings import AcceptanceError, accept_finding, unaccept_finding

ctx = setup_page("Findings", "🚩")
ss = st.session_state
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
ACCEPT_KEYS = ("fi_accept_justification", "fi_accept_review_by")

# A write names the revision the page showed when the button was pressed (the previous run),
# so a change someone else saved meanwhile makes it fail instead of being built on unseen data.
expected_revision = ss.get("fi_seen_revision", ctx.revision)
ss["fi_seen_revision"] = ctx.revision


def save(plant, summary: str, flash: str) -> None:
    """Save ``plant`` against the revision the user saw; on success flash and rerun."""
    try:
        revision = db.save_plant_db(ctx.engine, plant, expected_revision=expected_revision, who=ctx.user,
                                    summary=summary)
    except StaleDataError as exc:
        show_error(exc)
        st.info(f"The page now shows revision {ctx.revision}. Your entries are kept: check the finding "
                "and press the button again.")
    except OtriskError as exc:
        show_error(exc)
    else:
        ss["fi_flash"] = f"{flash} (revision {revision})."
        for key in ACCEPT_KEYS:
            ss.pop(key, None)
        st.rerun()


st.title("Findings")
if "fi_flash" in ss:
    st.success(md_escape(ss.pop("fi_flash")))
st.caption("What the architecture rules find in the zones, conduits and assets, worst first (the highest "
           "effective impact of the assets involved). An accepted finding stays out of the open list until "
           "its review date; after that it is open again and marked expired.")

as_of = st.date_input("As of", value=today_utc(), min_value=EARLIEST, max_value=LATEST, key="fi_as_of",
                      format="YYYY-MM-DD",
                      help="The day acceptances are judged on (default: today, UTC)") or today_utc()
report = findings_report(ctx, as_of)
rows = finding_rows(report)

metrics = st.columns(4)
metrics[0].metric("Open", len(report.open), help="Not accepted, or the acceptance expired")
metrics[1].metric("Acceptance expired", len(report.expired), help="Open again: past the review date")
metrics[2].metric("Accepted", len(report.accepted), help="Accepted until a review date on or after the as-of day")
metrics[3].metric("Stale acceptances", len(report.stale_acceptances),
                  help="Acceptances of findings no rule reports any more")
if report.expired:
    st.error(md_escape(f"{len(report.expired)} acceptance{'s' if len(report.expired) != 1 else ''} expired on "
                       f"{as_of.isoformat()}: " + ", ".join(f"{f.id} (until {a.review_by.isoformat()})"
                                                           for f, a in report.expired)))

titles = {r.id: r.title for r in RULES}
zone_names = {z.id: z.name for z in ctx.plant.zones}
filters = st.columns(4)
rules = filters[0].multiselect("Rule", list(titles), key="fi_rules", placeholder="All rules",
                               format_func=lambda r: titles.get(r, r))
zones = filters[1].multiselect("Zone", sorted(zone_names), key="fi_zones", placeholder="All zones",
                               format_func=lambda z: f"{z} · {zone_names[z]}")
axes = filters[2].multiselect("Worst effective ≥ 4 on", list(AXES), key="fi_axes", placeholder="Any axis")
statuses = filters[3].multiselect("Status", list(STATUSES), default=["open", "expired"], key="fi_status",
                                  placeholder="Any status")
shown = filter_findings(rows, rules=rules, zones=zones, axes=axes, statuses=statuses)
st.caption(f"{len(shown)} of {len(rows)} findings on {as_of.isoformat()}. Worst effective: "
           "production/safety/delivery, ? = unknown.")
st.dataframe(findings_style(findings_frame(shown)), hide_index=True, key="fi_table",
             column_config={"message": st.column_config.TextColumn(width="large")})

if shown:
    by_id = {f.id: (f, status, a) for f, status, a in shown}
    picked = st.selectbox("Finding", list(by_id), key="fi_finding")
    finding, status, acceptance = by_id[picked]
    st.subheader(finding.id)
    st.markdown(finding_details_markdown(finding, status, acceptance, plant=ctx.plant, as_of=as_of))
    if finding.assets:
        st.dataframe(assets_frame(finding, ctx.plant, analysis(ctx)), hide_index=True, key="fi_assets")

    if status in ("accepted", "expired") and st.button("Un-accept: open it again", key="fi_unaccept"):
        try:
            plant = unaccept_finding(ctx.plant, finding.id)
        except OtriskError as exc:
            show_error(exc)
        else:
            save(plant, summary=f"finding {finding.id} no longer accepted",
                 flash=f"{finding.id} is open again")

    with st.form("fi_accept_form"):
        verb = "Accept again" if status == "expired" else "Change the acceptance" if status == "accepted" else "Accept"
        st.markdown(f"**{verb}** {md_code(finding.id)} as a risk until a review date")
        justification = st.text_area("Justification (required)", key="fi_accept_justification",
                                     help="Why the risk is acceptable until the review date")
        accepted_by = st.text_input("Accepted by", value=ctx.user, key="fi_accept_by")
        review_by = st.date_input("Review by (required, after the as-of day)", value=None, min_value=EARLIEST,
                                  max_value=LATEST, key="fi_accept_review_by", format="YYYY-MM-DD")
        if st.form_submit_button(verb, key="fi_accept_submit"):
            try:
                plant = accept_finding(ctx.plant, finding.id, justification=justification, accepted_by=accepted_by,
                                       review_by=review_by, as_of=as_of)
            except AcceptanceError as exc:
                st.error(f"Not accepted: {len(exc.problems)} problem{'s' if len(exc.problems) != 1 else ''}; "
                         "nothing was changed.\n\n" + "\n".join(f"- {md_code(p)}" for p in exc.problems))
            else:
                save(plant, summary=f"finding {finding.id} accepted until {review_by.isoformat()}",
                     flash=f"Accepted {finding.id} until {review_by.isoformat()}; it is listed under status accepted")
else:
    st.info("No finding matches these filters." if rows else f"No findings on {as_of.isoformat()}.")

if report.stale_acceptances:
    st.header("Acceptances of findings no rule reports any more")
    st.caption("Kept until someone removes them: the finding may come back (a conduit renamed back, a "
               "zone restored), or the acceptance is no longer needed.")
    st.dataframe(stale_frame(report), hide_index=True, key="fi_stale")
    cols = st.columns([3, 1], vertical_alignment="bottom")
    gone = cols[0].selectbox("Acceptance", [a.id for a in report.stale_acceptances], key="fi_stale_pick")
    if cols[1].button("Remove it", key="fi_stale_remove"):
        save(unaccept_finding(ctx.plant, gone), summary=f"stale acceptance {gone} removed",
             flash=f"Removed the acceptance of {gone}")
