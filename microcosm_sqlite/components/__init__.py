"""
The graph components that stand on both halves: `sqlite_builder` (`builder`: the build's writer
into a graph's writable data sets), `sqlite_dumper` (`dumper`: a Store's table as a source) and
`sqlite_health` (`health`: microcosm-flask's health convention over the runtime's checks).
Registered in the `microcosm.factories` entry point group; nothing in the runtime or the build
imports them.

"""

__all__: list[str] = []
