"""Findings (being built)."""

import streamlit as st

from otrisk.ui import setup_page

ctx = setup_page("Findings", "🚩")
st.title("Findings")
