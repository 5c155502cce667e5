"""The content version's PostgreSQL sequence (app.cache.version.SequenceVersion), declared on the
metadata so that ``create_all`` makes it too; SQLite ignores it."""
from sqlalchemy import Sequence

from app.db import Base

content_version = Sequence("content_version", metadata=Base.metadata)
