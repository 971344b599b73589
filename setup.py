"""Build the Cython extension modules of verbs.

Compiler directives and C flags are set here, once, for every module under
``verbs/_evm``.  Set ``VERBS_EXT=mod1,mod2`` to build only some modules (useful
while developing one of them).

Builds are parallel: Cython translates the modules in ``VERBS_BUILD_JOBS``
processes and the C compiler builds that many modules at once (default: the
number of CPUs; ``VERBS_BUILD_JOBS=1`` builds serially).

Builds reuse earlier work.  The generated ``.c`` files stay beside their
``.pyx`` (Cython skips those newer than their sources), and a module whose
in-place ``.so`` (the one an editable install or ``build_ext --inplace`` left
in ``verbs/_evm``) is newer than its ``.c`` and headers is copied instead of
compiled again: a second ``pip install -e .`` (for another extra, say) takes
seconds although pip builds in a fresh temporary directory each time.
``VERBS_SANITIZE`` or ``build_ext --force`` always compile.
"""
import glob
import os
import shutil
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

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


def build_jobs() -> int:
    """Parallel jobs for Cython and the C compiler: ``VERBS_BUILD_JOBS`` or the CPU count."""
    jobs = os.environ.get("VERBS_BUILD_JOBS", "")
    if jobs:
        try:
            return max(1, int(jobs))
        except ValueError:
            sys.exit(f"VERBS_BUILD_JOBS must be a whole number, not {jobs!r}")
    return os.cpu_count() or 1


class BuildExt(build_ext):
    """``build_ext`` that builds modules in parallel and reuses up-to-date in-place builds."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            jobs = build_jobs()
            self.parallel = jobs if jobs > 1 else None

    def build_extension(self, ext):
        target = self.get_ext_fullpath(ext.name)
        in_place = os.path.join(HERE, *ext.name.split(".")[:-1], os.path.basename(target))
        reusable = (
            not self.force
            and not os.environ.get("VERBS_SANITIZE")
            and os.path.abspath(in_place) != os.path.abspath(target)
            and os.path.exists(in_place)
            and all(
                os.path.getmtime(in_place) > os.path.getmtime(os.path.join(HERE, dep))
                for dep in list(ext.sources) + list(ext.depends)
            )
        )
        if not reusable:
            super().build_extension(ext)
            return
        print(f"reusing {os.path.relpath(in_place, HERE)} (newer than its sources)")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(in_place, target)


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
        nthreads=build_jobs(),
    )


setup(ext_modules=extensions(), cmdclass={"build_ext": BuildExt})
