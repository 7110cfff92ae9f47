"""The one exception type for user errors (bad input, missing person, bad parameter).

Its message is a single line that names the file (or parameter) and the check that failed; the CLI prints that
line instead of a traceback. Anything else that goes wrong is a bug and keeps its traceback.
"""


class PhadtfError(Exception):
    """A user-facing error: one line, naming the file or parameter and the failed check."""

    def __init__(self, message: str):
        super().__init__(" ".join(str(message).split()))
