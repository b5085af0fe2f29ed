"""The carekpi Streamlit app."""
