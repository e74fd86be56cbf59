"""Build step that ships the top-level scenarios/ and experiments/ folders inside the wheel.

They stay the source of truth at the top of the repository (the design fixes their place, experiments
refer to scenarios by relative path); building a wheel copies their TOML files into sim/data/, where
sim.config.shipped finds them after `pip install`. Everything else is in pyproject.toml.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

#: Top-level folders copied into the package, and the file patterns copied.
SHIPPED = ("scenarios", "experiments")
PATTERNS = ("*.toml", "*.csv", "*.txt", "*.md")


class BuildWithData(build_py):
    """build_py, then copy the shipped folders into <build>/sim/data/."""

    def run(self):
        super().run()
        if self.editable_mode:  # an editable install reads the folders from the checkout
            return
        root = Path(__file__).resolve().parent
        for name in SHIPPED:
            source = root / name
            target = Path(self.build_lib) / "sim" / "data" / name
            for path in sorted(p for pattern in PATTERNS for p in source.rglob(pattern)):
                dest = target / path.relative_to(source)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest)


setup(cmdclass={"build_py": BuildWithData})
