"""
MODELS, as `build` and `verify --models` name them: a module of one data set's models, or its
base (or one of its models), and a clear error for anything else.

"""

from __future__ import annotations

import click
import pytest
from fixtures import library, two_datasets
from fixtures.tools import MODELS

from microcosm_sqlite.cli._models import find_base


def test_models_are_found_by_module_or_base() -> None:
    """MODELS names a module with one data set's models, or its base (or a model) directly."""
    assert find_base(MODELS) is library.Base
    assert find_base(f"{MODELS}:Base") is library.Base
    assert find_base(f"{MODELS}:Book") is library.Base
    assert find_base(f"{two_datasets.__name__}:Second") is two_datasets.Second


@pytest.mark.parametrize(
    ("models", "reason"),
    [
        (two_datasets.__name__, "holds models of several data sets; name one"),
        ("fixtures.tools", "defines no data set models"),
        ("fixtures.nowhere", "cannot import models module 'fixtures.nowhere'"),
        (f"{MODELS}:Genre", "is not a data set base"),
    ],
)
def test_models_that_cannot_be_found_say_why(models: str, reason: str) -> None:
    """Zero, two or unimportable data sets are usage errors that name MODELS and say why."""
    with pytest.raises(click.BadParameter, match=reason) as raised:
        find_base(models)

    assert raised.value.param_hint == "MODELS"
