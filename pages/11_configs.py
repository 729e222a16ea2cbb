"""Switch configs (being built)."""

import streamlit as st

from otrisk.ui import setup_page

ctx = setup_page("Switch configs", "🔀")
st.title("Switch configs")
