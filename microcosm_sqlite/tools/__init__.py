"""
The tools over built artifacts, one module each, as the command line runs them and as Python
calls them:

    from microcosm_sqlite.tools import diff_artifacts, inspect_artifact, verify_artifact

`inspect` (what an artifact holds), `verify` (is it sound, does it match its manifest and
models), `dump` (its tables back out as sources), `diff` (what changed between two) and
`textconv` (a stable text form for git's diff driver). They open artifacts read-only and
defended (`microcosm_sqlite.artifact.opening`), and sit above both the build and the runtime.

"""

from microcosm_sqlite.tools.diff import diff_artifacts
from microcosm_sqlite.tools.dump import dump_artifact, dump_to_stream
from microcosm_sqlite.tools.inspect import ArtifactInfo, inspect_artifact
from microcosm_sqlite.tools.textconv import write_textconv
from microcosm_sqlite.tools.verify import verify_artifact

__all__ = [
    "ArtifactInfo",
    "diff_artifacts",
    "dump_artifact",
    "dump_to_stream",
    "inspect_artifact",
    "verify_artifact",
    "write_textconv",
]
