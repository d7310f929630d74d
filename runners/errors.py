class RunnerError(Exception):
    """An evaluation could not run. The message is meant for people."""


class UserInputError(RunnerError):
    """The submitted model, run or dataset is wrong; retrying will not help."""


class EnvironmentProblem(RunnerError):
    """Something on the machine is missing (Java, a model file); the message names the fix."""
