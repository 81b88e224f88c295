"""`python -m microcosm_sqlite.cli`: the `microcosm-sqlite` command, as the console script."""

from microcosm_sqlite.cli import main

if __name__ == "__main__":
    main()
