"""The `allervers` command line (`main`), with its commands grouped by concern: data, engine,
privacy, web.
"""
