"""Builds the optional C extensions; everything else is in pyproject.toml.

`taala._wgl` is the WGL search loop, `taala._read` the JSONL reading loop. `optional=True`:
without a C compiler the install still succeeds and taala runs their Python twins, which
give the same verdicts and the same errors, only slower.
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("taala._wgl", ["verifier/_wgl.c"], optional=True, extra_compile_args=["-O2"]),
    Extension("taala._read", ["verifier/_read.c"], optional=True, extra_compile_args=["-O2"]),
])
