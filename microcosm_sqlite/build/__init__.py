"""
The offline build: CSV and JSON Lines sources, or rows held in Python, in; a checked,
reproducible SQLite artifact out.

"""
