"""
The tools over built artifacts, one module each, as the command line runs them and as Python
calls them:

    from microcosm_sqlite.tools import diff_artifacts, inspect_artifact, verify_artifact

`inspect` (what an artifact holds), `verify` (is it sound, does it match its manifest and
models), `dump` (its tables back out as sources), `diff` (what changed between two) and
`textconv` (a stable text form for git's diff driver, which `git_setup` sets up in a clone),
`query` (a read-only look inside: `query_artifact`, `table_rows`, `get_row`); and for starting a
data set, `scaffold` (`create_data_package`) and `drafting` (`draft_models` from sources). They
open artifacts read-only and defended (`microcosm_sqlite.artifact.opening`), and sit above both
the build and the runtime.

"""

from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.drafting import draft_models
from microcosm_sqlite.tools.dump import dump_artifact, dump_to_stream
from microcosm_sqlite.tools.git_setup import git_setup
from microcosm_sqlite.tools.inspect import ArtifactInfo, inspect_artifact
from microcosm_sqlite.tools.query import get_row, query_artifact, table_rows
from microcosm_sqlite.tools.scaffold import create_data_package
from microcosm_sqlite.tools.textconv import write_textconv
from microcosm_sqlite.tools.verify import verify_artifact

__all__ = [
    "ArtifactInfo",
    "create_data_package",
    "diff_artifacts",
    "draft_models",
    "dump_artifact",
    "dump_to_stream",
    "get_row",
    "git_setup",
    "inspect_artifact",
    "query_artifact",
    "table_rows",
    "verify_artifact",
    "write_textconv",
]
