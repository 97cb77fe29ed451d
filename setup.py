"""Builds the optional C extension `taala._wgl` (the WGL search loop); everything else is in pyproject.toml.

`optional=True`: without a C compiler the install still succeeds and `taala.wgl` runs its
Python loop, which gives the same verdicts, only slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[Extension("taala._wgl", ["verifier/_wgl.c"], optional=True, extra_compile_args=["-O2"])])
