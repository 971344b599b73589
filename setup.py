"""Build the Cython extension modules of verbs.

Compiler directives and C flags are set here, once, for every module under
``verbs/_evm``.  Set ``VERBS_EXT=mod1,mod2`` to build only some modules (useful
while developing one of them).

Builds are parallel: Cython translates the modules in ``VERBS_BUILD_JOBS``
processes and the C compiler builds that many modules at once (default: the
number of CPUs; ``VERBS_BUILD_JOBS=1`` builds serially).

Builds reuse earlier work.  The generated ``.c`` files stay beside their
``.pyx`` and are not translated again while newer than every Cython and C source
of ``verbs/_evm`` (see :func:`generated_c_file`), and a module whose
in-place ``.so`` (the one an editable install or ``build_ext --inplace`` left
in ``verbs/_evm``) is newer than its ``.c`` and headers is copied instead of
compiled again: a second ``pip install -e .`` (for another extra, say) takes
seconds although pip builds in a fresh temporary directory each time.
``VERBS_SANITIZE`` or ``build_ext --force`` always compile.

``VERBS_SANITIZE=address,undefined`` builds with AddressSanitizer and
UndefinedBehaviorSanitizer (``1``: AddressSanitizer alone); ``tools/sanitize.sh``
does this in a copy of the tree and runs the tests and the fuzzer on it.
"""
import glob
import os
import shutil
import sys
import sysconfig

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
EXTRA_LINK_ARGS: list[str] = []
# The interpreter's analysed loop dispatches with a computed goto at the end of every handler
# (analysis.h).  GCC's cross-jumping would merge those tails into a few shared indirect jumps,
# and its global CSE hoists work across them: both cost the branch predictor its per-handler
# history (GCC's manual recommends -fno-gcse for computed gotos).
MODULE_COMPILE_ARGS = {"interpreter": ["-fno-crossjumping", "-fno-gcse"]}


def sanitizers() -> list[str]:
    """The sanitizers ``VERBS_SANITIZE`` asks for: ``1`` is AddressSanitizer alone,
    otherwise a comma-separated list of ``-fsanitize`` names (``address,undefined``)."""
    value = os.environ.get("VERBS_SANITIZE", "")
    if not value or value == "0":
        return []
    if value == "1":
        return ["address"]
    return [s for s in value.split(",") if s]


if sanitizers():
    # -O1 keeps the reports' stack traces exact and the instrumented build quick; any
    # undefined behaviour aborts instead of printing and going on.
    flag = "-fsanitize=" + ",".join(sanitizers())
    EXTRA_COMPILE_ARGS += [flag, "-O1", "-fno-omit-frame-pointer", "-g"]
    if "undefined" in sanitizers():
        EXTRA_COMPILE_ARGS.append("-fno-sanitize-recover=undefined")
    EXTRA_LINK_ARGS.append(flag)


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
            and not sanitizers()
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


def generated_c_file(name: str) -> str | None:
    """The kept ``.c`` of module ``name`` if it is up to date, else None.

    Up to date: written by the Cython now running, after every ``.pyx``, ``.pxd``,
    ``.pxi`` and ``.h`` under ``verbs/_evm`` (``instructions/`` included) and this
    file last changed.  Cython's own
    check would also compare with its bundled ``.pxd`` files (``libc``, ``cpython``),
    which pip's fresh build environment dates to the install, so it would translate
    every module again on each ``pip install``.
    """
    c_file = os.path.join(EVM_DIR, name + ".c")
    if os.environ.get("VERBS_ANNOTATE") or os.environ.get("CYTHON_FORCE_REGEN") == "1":
        return None
    try:
        with open(os.path.join(HERE, c_file), "rb") as f:
            head = f.read(80)
        c_time = os.path.getmtime(os.path.join(HERE, c_file))
    except OSError:
        return None
    from Cython import __version__ as cython_version

    if not head.startswith(f"/* Generated by Cython {cython_version} */".encode()):
        return None
    sources = [os.path.abspath(__file__)]
    for pattern in ("*.pyx", "*.pxd", "*.pxi", "*.h"):
        sources += glob.glob(os.path.join(HERE, EVM_DIR, "**", pattern), recursive=True)
    if any(os.path.getmtime(src) >= c_time for src in sources):
        return None
    return c_file


def compiler_args(name: str) -> list[str]:
    """Module ``name``'s own flags (MODULE_COMPILE_ARGS): GCC's only, none for other compilers."""
    cc = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "").split()
    cc_name = os.path.basename(cc[0]) if cc else ""
    is_gcc = "gcc" in cc_name or (cc_name == "cc" and sys.platform.startswith("linux"))
    return MODULE_COMPILE_ARGS.get(name, []) if is_gcc else []


def extensions():
    only = {m for m in os.environ.get("VERBS_EXT", "").split(",") if m}
    headers = sorted(os.path.join(EVM_DIR, os.path.basename(h))
                     for h in glob.glob(os.path.join(HERE, EVM_DIR, "*.h")))
    exts = []
    for pyx in sorted(glob.glob(os.path.join(HERE, EVM_DIR, "*.pyx"))):
        name = os.path.splitext(os.path.basename(pyx))[0]
        if only and name not in only:
            continue
        c_file = generated_c_file(name)
        exts.append(
            Extension(
                f"verbs._evm.{name}",
                [c_file or os.path.join(EVM_DIR, name + ".pyx")],
                include_dirs=[EVM_DIR],
                depends=headers if c_file else [],
                extra_compile_args=EXTRA_COMPILE_ARGS + compiler_args(name),
                extra_link_args=EXTRA_LINK_ARGS,
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
