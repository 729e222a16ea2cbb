"""NIS2: entity class and sector, Art. 20 and Art. 21(2) status from the program map, Art. 23 readiness."""

import pandas as pd
import streamlit as st

from otrisk.evidence import today_utc
from otrisk.nis2view import nis2_view
from otrisk.ui import md_escape, readiness_report, setup_page

VERDICT_LABELS = {"ready": "ready", "partly": "ready with gaps", "not_ready": "not ready",
                  "unknown": "cannot tell"}


def label(status: str) -> str:
    return status.replace("_", " ")


def actions_text(item) -> str:
    return "; ".join(f"{'OVERDUE ' if a.overdue else ''}{a.id} (due {a.due or 'not set'})" for a in item.actions)


def items_frame(items, first: str, with_rationale: bool) -> pd.DataFrame:
    rows = []
    for x in items:
        row = {first: x.key, "title": x.title, "mapped": ", ".join(link.id for link in x.links),
               "status": label(x.status), "reasons": " | ".join(link.reason for link in x.links)}
        if with_rationale:
            row["rationale"] = " | ".join(f"{link.id}: {link.rationale}" for link in x.links)
        row["open actions"] = actions_text(x)
        rows.append(row)
    return pd.DataFrame(rows)


ctx = setup_page("NIS2", "🇪🇺")
st.title("NIS2")
st.caption("Directive (EU) 2022/2555. Descriptions are our own words, not the legal text; the mapping of "
           "Art. 20 and Art. 21(2) to IEC 62443-2-1 program elements is our analysis (unverified). Statuses "
           "come from the program map: maturity against target and fresh evidence on the as-of day.")

as_of = st.date_input("As of", value=today_utc(), key="nis2_as_of", format="YYYY-MM-DD",
                      help="Maturity, targets and evidence freshness as they stood on this day (UTC)")
view = nis2_view(ctx.plant, as_of=as_of, report=readiness_report(ctx, as_of))
profile = view.profile

st.header("Entity")
left, right = st.columns(2)
left.metric("Entity class", profile.entity or "not set")
right.metric("Sector", f"{profile.sector} (Annex {profile.annex})" if profile.annex else profile.sector or "not set")
if profile.entity_text:
    left.caption(md_escape(profile.entity_text))
if profile.sector_name:
    right.caption(md_escape(profile.sector_name))
for note in profile.notes:
    st.info(md_escape(note))

st.header("Art. 21(2) risk-management measures")
summary = view.summary
cols = st.columns(4)
cols[0].metric("Letters at target", f"{summary.at_target} of {summary.applicable}")
cols[1].metric("At target without fresh evidence", summary.counts["at_target_without_fresh_evidence"])
cols[2].metric("Below target", summary.counts["below_target"])
cols[3].metric("Not assessed", summary.counts["not_assessed"])
st.write(md_escape(summary.text))
st.caption("A letter takes the worst status of its mapped sub-elements: not assessed < no target < below target "
           "< at target without fresh evidence < at target; not applicable ones are skipped.")
st.dataframe(items_frame(view.article_21_2, "letter", True), hide_index=True, key="nis2_art21",
             column_config={"reasons": st.column_config.TextColumn(width="large"),
                            "rationale": st.column_config.TextColumn(width="large")})

for x in view.article_21_2:
    with st.expander(f"({x.key}) {x.title}: {label(x.status)}"):
        st.caption(md_escape(x.reason))
        st.dataframe(pd.DataFrame([{
            "id": link.id, "judged by": link.sub_element, "name": link.name, "status": label(link.status),
            "maturity": link.maturity, "assessed": link.maturity_date, "target": link.target,
            "expects": link.expected_kind,
            "operational fresh": link.counts["operational"]["fresh"],
            "operational stale": link.counts["operational"]["stale"],
            "organizational fresh": link.counts["organizational"]["fresh"],
            "organizational stale": link.counts["organizational"]["stale"],
            "paper compliance": link.paper_compliance, "reason": link.reason, "rationale": link.rationale,
        } for link in x.links]), hide_index=True, key=f"nis2_links_{x.key}")
        if x.actions:
            st.dataframe(pd.DataFrame([{"action": a.id, "title": a.title, "owner": a.owner, "due": a.due,
                                        "status": label(a.status), "overdue": a.overdue} for a in x.actions]),
                         hide_index=True, key=f"nis2_actions_{x.key}")
        else:
            st.caption("No open actions touch this letter.")

st.header("Art. 20 governance")
st.dataframe(items_frame(view.article_20, "item", False), hide_index=True, key="nis2_art20",
             column_config={"reasons": st.column_config.TextColumn(width="large")})

st.header("Art. 23 incident reporting")
art23 = view.article_23
st.caption(md_escape(f"Significant incident: {art23.significant_incident} Deadlines run from becoming aware of it."))
st.dataframe(pd.DataFrame([{
    "deadline": d.id.replace("_", " ").capitalize(), "within": d.within, "to": d.to, "needs": d.needs,
    "readiness": VERDICT_LABELS[d.verdict],
    "why": " | ".join(c.reason for c in d.checks if c.ok is not True),
} for d in art23.deadlines]), hide_index=True, key="nis2_art23",
    column_config={"needs": st.column_config.TextColumn(width="large"),
                   "why": st.column_config.TextColumn(width="large")})
st.caption("Judged from EVENT 1. Early warning needs a fresh incident response plan (organizational evidence) and "
           "fresh monitoring (operational evidence); the notification and the final report also need EVENT 1 at "
           "its target. Evidence that leaves high-impact assets uncovered means ready with gaps.")
st.markdown("\n".join(f"- **{c.name}** ({'met' if c.ok else 'not met' if c.ok is False else 'cannot tell'}): "
                      f"{md_escape(c.reason)}" for c in (art23.plan, art23.monitoring, art23.maturity, art23.coverage)))
for step in art23.other_steps:
    st.caption(md_escape(f"{step['id'].replace('_', ' ').capitalize()} ({step['within']}): {step['needs']}"))
st.caption(md_escape(art23.recipients_note))

st.info(md_escape(view.implementing_regulation_note))
