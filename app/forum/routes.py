from flask import Blueprint

bp = Blueprint("forum", __name__)
