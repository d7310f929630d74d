"""Errors of an evaluation. The code that raises one knows whether another try could succeed."""


class RunnerError(Exception):
    """An evaluation could not run. The message is meant for people."""

    transient = False  # True: worth another try later (the worker retries it); False: fail at once


class UserInputError(RunnerError):
    """The submitted model, run or dataset is wrong; retrying will not help."""


class EnvironmentProblem(RunnerError):
    """Something on the machine is missing (Java, a model file); the message names the fix."""


class TransientProblem(RunnerError):
    """A passing fault: a network timeout, a download cut midway, a server error, a full disk."""

    transient = True
