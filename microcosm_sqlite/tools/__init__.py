"""
The tools over built artifacts.

"""
