"""What `import nn` needs, and what it says when `autograd` is somebody else's package."""

import os
import subprocess
import sys
import textwrap

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(code: str, pythonpath: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": pythonpath}
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=pythonpath
                          .split(os.pathsep)[0], capture_output=True, text=True, timeout=120)


def test_import_nn_names_a_foreign_autograd_package(tmp_path):
    fake = tmp_path / "autograd"
    fake.mkdir()
    (fake / "__init__.py").write_text('"""HIPS autograd stand-in."""\ndef grad(f):\n    return f\n')
    done = _run("import nn", os.pathsep.join([str(tmp_path), ROOT]))
    assert done.returncode != 0
    assert "ImportError" in done.stderr
    assert str(fake) in done.stderr and "virtual environment" in done.stderr


def test_import_nn_and_its_core_needs_only_numpy_and_tqdm():
    done = _run(
        """
        import sys
        import nn, nn.functional, nn.layers, nn.losses, nn.init, nn.optim, nn.scalar
        import nn.serialization, nn.utils, nn.lr_scheduler
        import autograd
        heavy = {"matplotlib", "sklearn", "scipy", "graphviz", "hypothesis", "torch", "IPython"}
        print(sorted(heavy & set(sys.modules)))
        """,
        ROOT,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
