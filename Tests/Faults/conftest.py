"""Fixtures: the AWS set-up suite's moto (signature and IAM checks on) and administrator, and the controller
executable, shared rather than copied; the results table printed at the end of the run."""
import importlib.util
import pathlib
import sys

HERE = pathlib.Path(__file__).resolve().parent
TESTS = HERE.parent
for directory in (HERE, TESTS / "AWSSetup", TESTS / "Chart"):
    sys.path.insert(0, str(directory))

_spec = importlib.util.spec_from_file_location("aws_setup_conftest", TESTS / "AWSSetup" / "conftest.py")
_aws_setup = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_aws_setup)

moto = _aws_setup.moto
admin = _aws_setup.admin
executable = _aws_setup.executable

RESULTS = []


def pytest_terminal_summary(terminalreporter):
    if RESULTS:
        terminalreporter.write_sep("=", "fault scenarios")
        for line in RESULTS:
            terminalreporter.write_line(line)
