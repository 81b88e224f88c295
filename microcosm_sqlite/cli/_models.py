"""
MODELS, as `build` and `verify --models` take it: `package.module` or `package.module:Base`,
imported as `python -m` would import it, and turned into the data set's base.

"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import click
from sqlalchemy import MetaData

__all__ = ["find_base", "import_models"]

PARAMETER = "MODELS"


def import_models(models: str, app_dir: Path | None = None) -> type[Any]:
    """
    The data set base for MODELS. It is imported from `--app-dir` first when given, then as
    `python -m` would (the current directory), then from `./src` for a src/ layout.

    """
    if app_dir is not None:
        sys.path.insert(0, str(app_dir.resolve()))
    for folder in (Path.cwd(), Path.cwd() / "src"):
        if (
            folder.is_dir()
            and str(folder) not in sys.path
            and (folder != Path.cwd() or "" not in sys.path)
        ):
            sys.path.append(str(folder))
    return find_base(models)


def find_base(models: str) -> type[Any]:
    """
    The data set base named by `package.module` or `package.module:Base` (or one of its models).

    A module alone must define models of exactly one data set (or hold exactly one base),
    so a build never guesses between two. Raises `click.BadParameter` when the module does not
    import or names no single base.

    """
    module_name, _, attribute = models.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as error:
        raise click.BadParameter(
            f"cannot import models module {module_name!r}: {error}", param_hint=PARAMETER
        ) from error
    if attribute:
        base = dataset_base_of(getattr(module, attribute, None))
        if base is None:
            raise click.BadParameter(
                f"{models!r} is not a data set base (a class from DataSet.create) or its model",
                param_hint=PARAMETER,
            )
        return base
    return _single_base(module)


def is_dataset_base(value: object) -> bool:
    """A data set's base: it defines `__dataset__` itself and holds the metadata."""
    return (
        isinstance(value, type)
        and "__dataset__" in vars(value)
        and isinstance(getattr(value, "metadata", None), MetaData)
    )


def dataset_base_of(value: object) -> type[Any] | None:
    """The data set base a model (or base) descends from, if any."""
    if not isinstance(value, type):
        return None
    for klass in value.__mro__:
        if is_dataset_base(klass):
            return klass
    return None


def _single_base(module: ModuleType) -> type[Any]:
    """The one base whose models the module defines, or else the one base it holds."""
    values = list(vars(module).values())
    defined = {
        base
        for value in values
        if isinstance(value, type) and value.__module__ == module.__name__
        if (base := dataset_base_of(value)) is not None
    }
    bases = defined or {value for value in values if is_dataset_base(value)}
    if len(bases) == 1:
        return bases.pop()
    if not bases:
        reason = (
            f"module {module.__name__!r} defines no data set models"
            " (classes of a base from DataSet.create)"
        )
    else:
        names = ", ".join(sorted(f"{module.__name__}:{base.__name__}" for base in bases))
        reason = f"module {module.__name__!r} holds models of several data sets; name one: {names}"
    raise click.BadParameter(reason, param_hint=PARAMETER)
