"""Build the Cython extension modules of verbs.

Compiler directives and C flags are set here, once, for every module under
``verbs/_evm``.  Set ``VERBS_EXT=mod1,mod2`` to build only some modules (useful
while developing one of them).
"""
import glob
import os
import sys

from setuptools import Extension, setup

try:
    from Cython.Build import cythonize
except ImportError:  # pragma: no cover - pyproject.toml lists Cython as a build requirement
    sys.exit("Cython >= 3 is required to build verbs (pip install cython)")

HERE = os.path.dirname(os.path.abspath(__file__))
EVM_DIR = os.path.join("verbs", "_evm")

COMPILER_DIRECTIVES = {
    "language_level": 3,
    "boundscheck": False,
    "wraparound": False,
    "cdivision": True,
    "initializedcheck": False,
    "nonecheck": False,
    "embedsignature": True,
}

EXTRA_COMPILE_ARGS = ["-O3", "-fno-strict-aliasing", "-Wno-unused-function"]
if os.environ.get("VERBS_SANITIZE"):
    EXTRA_COMPILE_ARGS += ["-fsanitize=address", "-fno-omit-frame-pointer", "-g"]


def extensions():
    only = {m for m in os.environ.get("VERBS_EXT", "").split(",") if m}
    exts = []
    for pyx in sorted(glob.glob(os.path.join(HERE, EVM_DIR, "*.pyx"))):
        name = os.path.splitext(os.path.basename(pyx))[0]
        if only and name not in only:
            continue
        exts.append(
            Extension(
                f"verbs._evm.{name}",
                [os.path.join(EVM_DIR, name + ".pyx")],
                include_dirs=[EVM_DIR],
                extra_compile_args=EXTRA_COMPILE_ARGS,
                extra_link_args=["-fsanitize=address"] if os.environ.get("VERBS_SANITIZE") else [],
            )
        )
    return cythonize(
        exts,
        compiler_directives=COMPILER_DIRECTIVES,
        include_path=[EVM_DIR],
        annotate=bool(os.environ.get("VERBS_ANNOTATE")),
        nthreads=int(os.environ.get("VERBS_BUILD_JOBS", "0")) or None,
    )


setup(ext_modules=extensions())
