"""The one error hierarchy of jinli: every message names the file, row, key or value at fault.

The CLI turns any ``JinliError`` into one line on stderr and a non-zero exit, never a traceback.
"""


class JinliError(Exception):
    """Base of every error jinli reports to a person.

    The message is English (logs, the web pages' server side). An error staff often meet also carries ``key`` and
    ``values``: the CLI then says it in the site's language from its catalogue (cli_words)."""

    exit_code = 1

    def __init__(self, message: str = "", *, key: str | None = None, **values):
        super().__init__(message)
        self.key = key
        self.values = values


class ConfigError(JinliError):
    """config.toml (or the environment) holds a value jinli cannot use."""


class DatabaseError(JinliError):
    """The database cannot be reached or its schema is not the one this version expects."""


class ImportFileError(JinliError):
    """A CSV file as a whole cannot be imported (missing, unreadable, wrong columns)."""


class InvalidValue(JinliError):
    """One value (a phone, a date, a term...) is not acceptable; the message names it."""


class NotFound(JinliError):
    """A customer, campaign, event or message named on the command line does not exist."""


class CampaignError(JinliError):
    """A campaign file is invalid: the message names the file, the table path and the value."""


class TemplateError(JinliError):
    """An SMS template is missing, unsafe or does not render."""


class TemplateTooLong(TemplateError):
    """A template's text is over the render limit ([sms] max_render_chars): the message is too long to send."""


class GatewayError(JinliError):
    """An SMS gateway failed in a way the outbox records (retryable or not)."""

    def __init__(self, message: str, *, code: str | None = None, retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.retryable = retryable


class Said(str):
    """A message that is English as a string (logs, JSON) and also carries a catalogue key and values, so that the
    CLI can say it in the site's language (cli_text.said); values may be Said themselves."""

    def __new__(cls, english: str, key: str | None = None, **values) -> "Said":
        said = super().__new__(cls, english)
        said.key, said.values = key, values
        return said
