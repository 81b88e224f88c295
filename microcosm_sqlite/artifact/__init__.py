"""
The artifact file itself, as every part of the library meets it: the build writes it, the
runtime and the CLI read it.

`header` (is this a ready SQLite artifact, and which version of the file) -> `opening` (the
read-only URI and the CLI's defended connection) with `defences` (SQLite's protections for files
one did not build, on every connection); `dialect` (the SQL dialect its schema is written in);
`contents` (data tables, columns, and what no build writes), `checks` (integrity and foreign
keys), `model_schema` (the artifact against its models) and `files` (temporary files, fsync,
atomic replace).

"""

__all__: list[str] = []
