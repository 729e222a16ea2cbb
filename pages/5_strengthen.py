"""Strengthen first (being built)."""

import streamlit as st

from otrisk.ui import setup_page

ctx = setup_page("Strengthen first", "🏋️")
st.title("Strengthen first")
