"""
An application written against microcosm-sqlite 2.x's README and API, run unchanged on 3.x but
for `read_only=False` where it writes. `tests/compat/test_compat.py` runs it in a child process
with every warning but DeprecationWarning an error, and checks what it prints.

    python tests/compat/app_2x.py FOLDER

"""

import sys
from io import StringIO
from pathlib import Path

from microcosm.api import create_object_graph
from microcosm.loaders import load_from_dict
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import relationship

from microcosm_sqlite import DataSet, Store
from microcosm_sqlite.context import SessionContext
from microcosm_sqlite.errors import ModelNotFoundError
from microcosm_sqlite.identifiers import new_object_id
from microcosm_sqlite.models import IdentityMixin
from microcosm_sqlite.stores import GetOrCreateSession

Base = DataSet.create("app_2x")


class Person(IdentityMixin, Base):
    __tablename__ = "person"

    id = Column(Integer, primary_key=True)
    first = Column(String, nullable=False)
    last = Column(String, nullable=False)

    @property
    def identity(self):
        return self.id


class Dog(IdentityMixin, Base):
    __tablename__ = "dog"

    id = Column(Integer, primary_key=True)
    name = Column(String, nullable=False)
    owner_id = Column(Integer, ForeignKey(Person.id), nullable=False)
    owner = relationship(Person)

    @property
    def identity(self):
        return self.id


class PersonStore(Store):
    @property
    def model_class(self):
        return Person

    def _filter(self, query, last=None, **kwargs):
        if last is not None:
            query = query.filter(Person.last == last)
        return super()._filter(query, **kwargs)

    def _order_by(self, query, **kwargs):
        return query.order_by(Person.first.asc())


class DogStore(Store):
    @property
    def model_class(self):
        return Dog

    def _order_by(self, query, **kwargs):
        return query.order_by(Dog.name.asc())


def build(path):
    loader = load_from_dict(sqlite=dict(paths=dict(app_2x=path), read_only=False))
    graph = create_object_graph("app_2x", testing=True, loader=loader)
    Base.create_all(graph)

    graph.sqlite_builder.csv(Person).build(StringIO("id,first,last\n1,Stephen,Curry\n"))
    graph.sqlite_builder.csv(Base).bulk().build(
        [
            (Dog, StringIO("id,name,owner_id\n1,Rocco,2\n2,Reza,1\n")),
            (Person, StringIO("id,first,last\n2,Klay,Thompson\n")),
        ]
    )
    graph.sqlite_builder.csv(Person).default(last="Green").build(StringIO("id,first\n3,Draymond\n"))

    with SessionContext(graph, Base) as context:
        PersonStore().create(Person(id=4, first="Andrew", last="Wiggins"))
        context.commit()

    with Base.new_context(graph):
        print("people", PersonStore().count())
    Base.dispose(graph)


def read(path):
    loader = load_from_dict(sqlite=dict(paths=dict(app_2x=path)))
    graph = create_object_graph("app_2x", loader=loader)

    store = PersonStore()
    with Base.new_context(graph):
        results = store.search()
        print("search", [person.first for person in results])
        print("filter", [person.first for person in store.search(last="Curry")])
        print("first", store.first().first, "one", store.one(last="Thompson").first)
        try:
            store.one(last="Nobody")
        except ModelNotFoundError:
            print("not found")
        dogs = DogStore().search()
        print("dogs", [(dog.name, dog.owner.first) for dog in dogs])
        print("resolve", Base.resolve() is Person.resolve(), Base.session is not None)

    with SessionContext(graph, Base) as context:
        print("context", context.session.query(Person).count())

    print("thread", PersonStore(GetOrCreateSession(graph)).count())
    engine, Session = graph.sqlite("app_2x")
    session = Session()
    print("session", session.query(Dog).count(), engine.name, Path(graph.sqlite["app_2x"]).name)
    session.close()

    out = StringIO()
    graph.sqlite_dumper.csv(store).dump(out, field_names=["id", "first", "last"])
    print("dump", repr(out.getvalue().splitlines(keepends=True)[1]))
    print("id", len(str(new_object_id())))


if __name__ == "__main__":
    artifact = str(Path(sys.argv[1]) / "app_2x.sqlite")
    build(artifact)
    read(artifact)
