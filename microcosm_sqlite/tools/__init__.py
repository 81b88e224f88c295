"""The tools over the library: looking inside artifacts, starting a data set, drafting models."""
