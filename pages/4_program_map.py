"""Program map: the eight IEC 62443-2-1 program elements at a glance, with drill-down to
sub-elements, their evidence and the high-impact assets it covers."""

import streamlit as st

from otrisk.errors import OtriskError
from otrisk.evidence import today_utc
from otrisk.libraries import library_names
from otrisk.readiness import GAP, overdue_actions, report_progress, status
from otrisk.ui import analysis, md_escape, readiness_report, setup_page, show_error
from otrisk.ui.program import (
    coverage_frame,
    elements_frame,
    evidence_frame,
    library_requirements_frame,
    readiness_style,
    sub_elements_frame,
    with_library_names,
)

ctx = setup_page("Program map", "🗺️")

st.title("Program map")
st.caption("IEC 62443-2-1 security program elements. Ids and short names are the standard's; every "
           "description is our own wording (the standard's text is copyrighted by IEC). Maturity 0 = not "
           "implemented, 1..4 = ML1..ML4, empty = not assessed. Score: docs/formulas.md.")

as_of = st.date_input("As of", value=today_utc(), key="pm_as_of", format="YYYY-MM-DD",
                      help="Freshness, maturity now and overdue actions are judged on this day.")
report = readiness_report(ctx, as_of)
try:
    # The user's framework library names (Import and export page); a small query (~2 ms), not cached.
    yours = library_names(ctx.engine)
except OtriskError as exc:
    show_error(exc)
    yours = {}
for warning in report.warnings:
    st.warning(md_escape(warning))

prog = report_progress(report)
late = overdue_actions(ctx.plant, as_of=as_of)
kpis = st.columns(4)
kpis[0].metric("At target", f"{prog.done} of {prog.total}" if prog.total else "no targets",
               help="Elements and sub-elements with a target (a sub-element without one takes its "
                    "element's); unassessed ones count as not done.")
kpis[1].metric("Not assessed", len(prog.not_assessed),
               help="Have a target but no rating: " + (", ".join(prog.not_assessed) or "none"))
kpis[2].metric("Paper compliance", sum(s.paper_compliance for e in report.elements for s in e.sub_elements),
               help="Sub-elements expecting operational evidence whose only fresh evidence is organizational.")
kpis[3].metric("Overdue actions", len(late))
if prog.not_assessed:
    st.caption(f"Progress never reaches 100 % while items are unassessed: {len(prog.not_assessed)} "
               f"with a target are not assessed ({', '.join(prog.not_assessed)}).")

st.header("Elements")
elements = with_library_names(elements_frame(report), yours)
st.dataframe(readiness_style(elements), hide_index=True, key="pm_elements",
             column_config={"why": st.column_config.TextColumn(width="medium"),
                            "score": st.column_config.NumberColumn(help="Strengthen-first score of the most urgent part")})

st.header("Drill down")
names = {e.id: e.name for e in report.elements}
chosen = st.selectbox("Element", [e.id for e in report.elements], key="pm_element",
                      format_func=lambda e: f"{e} · {names[e]}")
element = report.element(chosen)
label, why = status(element)
(st.error if label == GAP else st.info)(md_escape(f"{element.id}: {label} — {why}"))
for reason in element.reasons:
    st.markdown(f"- {md_escape(reason)}")
st.dataframe(readiness_style(with_library_names(sub_elements_frame(element), yours)), hide_index=True,
             key="pm_subs")

sub_id = st.selectbox("Sub-element", [s.id for s in element.sub_elements], key="pm_sub",
                      format_func=lambda s: f"{s} · {report.sub_element(s).name}")
sub = report.sub_element(sub_id)
st.subheader(f"{sub.id} {sub.name}")
expects = "operational and organizational" if sub.expected_kind == "both" else sub.expected_kind
st.caption(f"Expects {expects} evidence. Readiness: {' — '.join(status(sub))}.")
for reason in sub.reasons:
    st.markdown(f"- {md_escape(reason)}")
if yours:
    requirements = library_requirements_frame(sub.id, yours)
    st.markdown("**Requirements in your library**" if len(requirements) else
                "**Requirements in your library**: none of its nodes maps onto a requirement of this sub-element")
    if len(requirements):
        st.dataframe(requirements, hide_index=True, key="pm_library_requirements",
                     column_config={"name": st.column_config.TextColumn(width="large")})
left, right = st.columns(2)
with left:
    st.markdown("**Evidence**")
    st.dataframe(evidence_frame(sub), hide_index=True, key="pm_evidence")
    if sub.derived:
        st.markdown("**Derived from the model** (shown and measured, never counted as fresh evidence)")
        for d in sub.derived:
            share = f"{d.done} of {d.total}" + (f" ({d.share:.0%})" if d.share is not None else "")
            st.markdown(f"- {md_escape(d.title)}: {share} — {md_escape(d.how)}")
with right:
    st.markdown("**High-impact assets and what covers them** (impact ≥ 4 if lost or taken over)")
    st.dataframe(coverage_frame(sub, ctx.plant, analysis(ctx)), hide_index=True, key="pm_coverage")
