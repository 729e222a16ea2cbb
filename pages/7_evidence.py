"""Evidence: the register with freshness on an as-of day, derived evidence, add and retire items."""

import datetime as dt

import streamlit as st

from otrisk import db
from otrisk.derived import derived_evidence
from otrisk.errors import OtriskError, StaleDataError
from otrisk.evidence import today_utc
from otrisk.register import (KINDS, STATUSES, EvidenceEntryError, add_evidence, covers_labels, element_labels,
                             filter_rows, future_warnings, register_rows, set_retired, sha256_hex,
                             status_counts)
from otrisk.ui import md_escape, setup_page, show_error
from otrisk.ui.evidence_ui import (derived_frame, item_details_markdown, problems_markdown,
                                   register_column_config, register_frame)

ctx = setup_page("Evidence", "📎")
ss = st.session_state
EARLIEST, LATEST = dt.date(1990, 1, 1), dt.date(2100, 12, 31)
NEW_KEYS = ("ev_new_id", "ev_new_title", "ev_new_kind", "ev_new_elements", "ev_new_collected",
            "ev_new_valid_until", "ev_new_covers", "ev_new_location", "ev_new_file")

# A write names the revision the page showed when the button was pressed (the previous
# run), so a change someone else saved meanwhile makes it fail instead of being built on
# unseen data. This run shows ctx.revision: that is what the next button press saw.
expected_revision = ss.get("ev_seen_revision", ctx.revision)
ss["ev_seen_revision"] = ctx.revision


def save(plant, summary: str) -> int | None:
    """Save ``plant`` against the revision the user saw; show why not and return None on failure."""
    try:
        return db.save_plant_db(ctx.engine, plant, expected_revision=expected_revision, who=ctx.user,
                                summary=summary)
    except StaleDataError as exc:
        show_error(exc)
        st.info(f"The page now shows revision {ctx.revision}. Your entries are kept: check them against "
                "the register and press the button again.")
    except OtriskError as exc:
        show_error(exc)
    return None


st.title("Evidence")
if "ev_flash" in ss:
    st.success(md_escape(ss.pop("ev_flash")))
st.caption("The evidence register: what shows that each IEC 62443-2-1 program element works in practice "
           "(operational evidence) or is defined (organizational evidence). Freshness is judged per element "
           "an item is filed under, on the as-of day.")

# --- Register ---------------------------------------------------------------------------
st.header("Register")
labels = element_labels()
controls = st.columns([1, 2, 1, 1])
as_of = controls[0].date_input("As of", value=today_utc(), min_value=EARLIEST, max_value=LATEST, key="ev_as_of", format="YYYY-MM-DD",
                               help="The day freshness is judged on (default: today, UTC)") or today_utc()
element = controls[1].selectbox("Element", list(labels), index=None, key="ev_filter_element",
                                format_func=lambda e: labels.get(e, e), placeholder="All elements",
                                help="CM also shows items filed under CM 1 and CM 1.4; CM 1 those under CM 1.4")
kinds = controls[2].multiselect("Kind", KINDS, key="ev_filter_kind", placeholder="Both kinds")
statuses = controls[3].multiselect("Freshness", STATUSES, key="ev_filter_status", placeholder="Any")

rows = register_rows(ctx.plant, as_of=as_of)
for warning in future_warnings(rows):
    st.warning(md_escape(warning))

if not rows:
    st.info("No evidence items yet. Add the first one below.")
else:
    counts = status_counts(rows, element=element)
    scope = f"filed under {element}" if element else "in the register"
    metrics = st.columns(4)
    for i, kind in enumerate(KINDS):
        metrics[2 * i].metric(f"{kind.capitalize()} fresh", counts[kind]["fresh"],
                              help=f"{kind.capitalize()} items {scope} that are fresh for every element considered")
        metrics[2 * i + 1].metric(f"{kind.capitalize()} stale", counts[kind]["stale"],
                                  help=f"{kind.capitalize()} items {scope} that are stale for at least one element considered")
    others = ", ".join(f"{sum(c[s] for c in counts.values())} {s}" for s in ("future", "retired"))
    shown = filter_rows(rows, element=element, kinds=kinds, statuses=statuses)
    st.caption(f"Items {md_escape(scope)} on {as_of.isoformat()}; besides, {others}. "
               f"Showing {len(shown)} of {len(rows)} items"
               + (f"; status is judged for the elements under {md_escape(element)}" if element else "") + ".")
    st.dataframe(register_frame(shown, element=element), hide_index=True, key="ev_register",
                 column_config=register_column_config())

# --- Derived evidence -------------------------------------------------------------------
st.header("Derived from the model")
st.caption("Derived from the model — shown and measured, never counted as fresh operational evidence. "
           "These figures say how complete the plant model is; they are what someone typed in, not a "
           "trace a system produced.")
st.dataframe(derived_frame(derived_evidence(ctx.plant)), hide_index=True, key="ev_derived",
             column_config={"how": st.column_config.TextColumn(width="large"),
                            "missing": st.column_config.TextColumn(width="large")})

# --- Add --------------------------------------------------------------------------------
st.header("Add an evidence item")
st.caption("Collected is the day the evidence speaks for (the date of the log, test or review), not "
           "today. An attached file is not stored: only its name and SHA-256 are recorded, so the file "
           "kept at the location can later be shown to be the one registered.")
targets = covers_labels(ctx.plant)
with st.form("ev_add", clear_on_submit=False):
    left, right = st.columns(2)
    new_id = left.text_input("Id", key="ev_new_id", placeholder="ev-restore-test-2026",
                             help="Lower-case letters, digits, '.', '_' and '-'; unique in the register")
    title = right.text_input("Title", key="ev_new_title")
    kind = left.radio("Kind", KINDS, index=None, key="ev_new_kind", horizontal=True,
                      help="operational: logs, backups, restore tests, change traces; "
                           "organizational: policies, roles, training, supplier requirements")
    elements = right.multiselect("Elements", list(labels), key="ev_new_elements", accept_new_options=True,
                                 format_func=lambda e: labels.get(e, e),
                                 help="Element (CM), sub-element (CM 1) or requirement (CM 1.4); "
                                      "an id not in the reference data is refused")
    collected = left.date_input("Collected", value=None, min_value=EARLIEST, max_value=LATEST,
                                key="ev_new_collected", format="YYYY-MM-DD")
    valid_until = right.date_input("Valid until (optional)", value=None, min_value=EARLIEST, max_value=LATEST,
                                   key="ev_new_valid_until", format="YYYY-MM-DD",
                                   help="Without it, the item is fresh for the element's maximum age")
    covers = left.multiselect("Covers (optional)", list(targets), key="ev_new_covers",
                              format_func=lambda t: targets.get(t, t), placeholder="Whole site",
                              help="Assets or zones the evidence speaks for; none = the whole site")
    location = right.text_input("Location (optional)", key="ev_new_location",
                                help="Where the evidence is kept (system, share, document number)")
    upload = st.file_uploader("File (optional; only its name and SHA-256 are recorded)", key="ev_new_file")
    submitted = st.form_submit_button("Add to the register", type="primary", key="ev_new_submit")

if submitted:
    data = {"id": new_id.strip(), "title": title.strip(), "kind": kind, "elements": list(elements),
            "collected": collected, "valid_until": valid_until, "covers": list(covers),
            "location": location.strip()}
    if upload is not None:
        data["file"] = {"name": upload.name, "sha256": sha256_hex(upload.getvalue())}
    data = {k: v for k, v in data.items() if v not in (None, "", [])}
    data.setdefault("elements", [])  # reported as "pick at least one"
    try:
        updated = add_evidence(ctx.plant, data)
    except EvidenceEntryError as exc:
        st.error(problems_markdown(exc.problems, action="added"))
    else:
        file_note = f", file {data['file']['name']}" if "file" in data else ""
        revision = save(updated, f"evidence added: {data['id']} ({data['title']}){file_note}")
        if revision is not None:
            for key in NEW_KEYS:
                ss.pop(key, None)
            ss["ev_flash"] = f"Added {data['id']} as revision {revision}."
            st.rerun()

# --- Retire -----------------------------------------------------------------------------
st.header("Retire or un-retire an item")
st.caption("A retired item stays in the register for history and never counts as evidence. Items are "
           "never deleted here; un-retire puts one back in use.")
if rows:
    by_id = {r.id: r for r in rows}
    picked = st.selectbox("Item", list(by_id), index=None, key="ev_item", placeholder="Choose an item",
                          format_func=lambda i: f"{i} · {by_id[i].item.title}"
                          + (" (retired)" if by_id[i].item.retired else "") if i in by_id else i)
    if picked in by_id:
        row = by_id[picked]
        st.markdown(item_details_markdown(row))
        reason = st.text_input("Reason (optional, goes into the change log)", key="ev_retire_reason")
        retire = not row.item.retired
        if st.button(f"{'Retire' if retire else 'Un-retire'} {picked}", key="ev_retire_toggle",
                     type="primary" if retire else "secondary"):
            try:
                updated = set_retired(ctx.plant, picked, retire)
            except EvidenceEntryError as exc:
                st.error(problems_markdown(exc.problems, action="retired" if retire else "un-retired"))
            else:
                verb = "retired" if retire else "un-retired"
                note = f": {reason.strip()}" if reason.strip() else ""
                revision = save(updated, f"evidence {verb}: {picked}{note}")
                if revision is not None:
                    ss.pop("ev_retire_reason", None)
                    ss["ev_flash"] = f"{picked} {verb} as revision {revision}."
                    st.rerun()
