"""The manager's screen (placeholder until the reports are wired)."""
from flask import Blueprint


def manage_blueprint(app, token=None) -> Blueprint:
    return Blueprint("manage", __name__, url_prefix="/manage")
