"""Sessions in the database, where a cookie that cannot be a session key (NUL bytes or
other characters Django never issues) is no session rather than a failing query."""

from django.contrib.sessions.backends import db
from django.utils.crypto import RANDOM_STRING_CHARS

KEY_CHARACTERS = frozenset(RANDOM_STRING_CHARS.lower())


class SessionStore(db.SessionStore):
    def _validate_session_key(self, key):
        return super()._validate_session_key(key) and set(key) <= KEY_CHARACTERS
