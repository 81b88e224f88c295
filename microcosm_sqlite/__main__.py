"""`python -m microcosm_sqlite`: the `microcosm-sqlite` command, as the console script runs it."""

from microcosm_sqlite.cli import main

if __name__ == "__main__":
    main()
